use super::*;
use crate::diff::classify;
use ChangeType::{Added, Modified, Removed};
use Classification::{Breaking as B, NonBreaking as N, PotentialBreaking as P};

fn doc(file: &str, text: &str) -> OpenApiDoc {
    match OpenApiDoc::parse(file, text) {
        Ok(d) => d,
        Err(e) => panic!("{e}"),
    }
}

fn run(old: &str, new: &str) -> Vec<Change> {
    diff(&doc("old.yaml", old), &doc("new.yaml", new))
}

fn triples(changes: &[Change]) -> Vec<(String, ChangeType, Classification)> {
    changes
        .iter()
        .map(|c| (c.path.clone(), c.change_type, c.classification))
        .collect()
}

fn set(changes: &[Change]) -> BTreeSet<(String, ChangeType, Classification)> {
    triples(changes).into_iter().collect()
}

fn expect(
    items: &[(&str, ChangeType, Classification)],
) -> BTreeSet<(String, ChangeType, Classification)> {
    items
        .iter()
        .map(|(p, t, c)| ((*p).to_string(), *t, *c))
        .collect()
}

fn one(changes: &[Change]) -> &Change {
    assert_eq!(changes.len(), 1, "{:#?}", triples(changes));
    &changes[0]
}

fn explanation(c: &Change) -> &str {
    c.explanation.as_deref().unwrap_or("")
}

/// An OpenAPI 3.0 document whose `/users` GET operation is `op` (indented 6 spaces in).
fn with_get(op: &str) -> String {
    format!(
        "openapi: \"3.0.3\"\ninfo: {{title: t, version: \"1\"}}\npaths:\n  /users:\n    get:\n{}\n",
        indent(op, 6)
    )
}

fn indent(text: &str, n: usize) -> String {
    let pad = " ".repeat(n);
    text.lines()
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!("{pad}{l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

const OK: &str = "responses:\n  \"200\":\n    description: OK";

// ---------------------------------------------------------------------------------------------
// Spec §4.10 case 2

#[test]
fn acceptance_case_2() {
    let v1 = include_str!("../../../../fixtures/diff/openapi/case2-v1.yaml");
    let v2 = include_str!("../../../../fixtures/diff/openapi/case2-v2.yaml");
    let changes = diff(
        &doc("interfaces/openapi.yaml", v1),
        &doc("interfaces/openapi.yaml", v2),
    );
    // Spec §4.10 case 2, exactly: a new optional parameter stays POTENTIAL_BREAKING.
    assert_eq!(classify("openapi.parameters", Added), P);
    assert_eq!(
        set(&changes),
        expect(&[
            ("openapi.paths[/orders]", Added, N),
            ("openapi.paths[/users].methods[DELETE]", Removed, B),
            ("openapi.paths[/users].methods[POST]", Added, N),
            (
                "openapi.paths[/users].methods[GET].parameters[sort:query]",
                Removed,
                B
            ),
            (
                "openapi.paths[/users].methods[GET].parameters[filter:query]",
                Added,
                P
            ),
            (
                "openapi.paths[/users].methods[GET].responses[200]",
                Modified,
                P
            ),
            (
                "openapi.paths[/users].methods[GET].responses[404]",
                Added,
                N
            ),
        ])
    );
    assert_eq!(changes.len(), 7);
    assert_eq!(overall(&changes), B);
    let by = |p: &str| changes.iter().find(|c| c.path == p).unwrap();
    let orders = by("openapi.paths[/orders]");
    assert_eq!(orders.new_value, Some(Value::from("/orders")));
    assert_eq!(orders.reason, "API path /orders added");
    let delete = by("openapi.paths[/users].methods[DELETE]");
    assert_eq!(delete.old_value, Some(Value::from("DELETE /users")));
    assert_eq!(delete.reason, "DELETE /users method removed");
    let post = by("openapi.paths[/users].methods[POST]");
    assert_eq!(post.new_value, Some(Value::from("POST /users")));
    assert_eq!(post.reason, "POST /users method added");
    let sort = by("openapi.paths[/users].methods[GET].parameters[sort:query]");
    assert_eq!(
        sort.old_value,
        Some(Value::from("GET /users query param 'sort'"))
    );
    assert_eq!(sort.reason, "GET /users query param 'sort' removed");
    let filter = by("openapi.paths[/users].methods[GET].parameters[filter:query]");
    assert_eq!(
        filter.new_value,
        Some(Value::from("GET /users query param 'filter'"))
    );
    assert_eq!(filter.reason, "GET /users query param 'filter' added");
    let ok = by("openapi.paths[/users].methods[GET].responses[200]");
    assert_eq!(ok.old_value, Some(Value::from("GET /users 200")));
    assert_eq!(ok.new_value, Some(Value::from("GET /users 200")));
    assert_eq!(ok.reason, "GET /users response 200 modified");
    assert!(
        explanation(ok).contains("`content.application/json.schema.items.properties.email` added"),
        "{}",
        explanation(ok)
    );
    let missing = by("openapi.paths[/users].methods[GET].responses[404]");
    assert_eq!(missing.reason, "GET /users response 404 added");
    assert_eq!(missing.new_value, Some(Value::from("GET /users 404")));
    // Every change is explained and located in both files.
    for c in &changes {
        assert!(c.explanation.is_some(), "{}", c.path);
        assert!(
            c.old_source.is_some() && c.new_source.is_some(),
            "{}",
            c.path
        );
    }
}

fn overall(changes: &[Change]) -> Classification {
    crate::diff::overall(changes)
}

#[test]
fn same_document_has_no_changes() {
    let v = include_str!("../../../../fixtures/diff/openapi/case2-v2.yaml");
    assert!(run(v, v).is_empty());
}

#[test]
fn changes_are_sorted() {
    let v1 = include_str!("../../../../fixtures/diff/openapi/case2-v1.yaml");
    let v2 = include_str!("../../../../fixtures/diff/openapi/case2-v2.yaml");
    let changes = run(v1, v2);
    let mut sorted = changes.clone();
    sort_changes(&mut sorted);
    assert_eq!(changes, sorted);
    assert_eq!(changes[0].path, "openapi.paths[/orders]");
    // Deterministic across runs.
    assert_eq!(run(v1, v2), changes);
}

// ---------------------------------------------------------------------------------------------
// Paths and methods

#[test]
fn path_added_and_removed() {
    let old = "openapi: 3.0.0\npaths:\n  /a:\n    get: {}\n  /b:\n    get: {}\n";
    let new = "openapi: 3.0.0\npaths:\n  /b:\n    get: {}\n  /c:\n    get: {}\n";
    let changes = run(old, new);
    assert_eq!(
        triples(&changes),
        vec![
            ("openapi.paths[/a]".to_string(), Removed, B),
            ("openapi.paths[/c]".to_string(), Added, N),
        ]
    );
    assert_eq!(changes[0].reason, "API path /a removed");
    assert_eq!(changes[0].old_value, Some(Value::from("/a")));
    assert_eq!(changes[0].new_value, None);
    assert_eq!(changes[1].reason, "API path /c added");
}

#[test]
fn method_added_and_removed() {
    let old = "openapi: 3.0.0\npaths:\n  /a:\n    get: {}\n    put: {}\n";
    let new = "openapi: 3.0.0\npaths:\n  /a:\n    get: {}\n    patch: {}\n    head:\n";
    let changes = run(old, new);
    assert_eq!(
        set(&changes),
        expect(&[
            ("openapi.paths[/a].methods[PUT]", Removed, B),
            ("openapi.paths[/a].methods[PATCH]", Added, N),
            ("openapi.paths[/a].methods[HEAD]", Added, N),
        ])
    );
    let put = changes.iter().find(|c| c.change_type == Removed).unwrap();
    assert_eq!(put.reason, "PUT /a method removed");
    assert_eq!(put.old_value, Some(Value::from("PUT /a")));
}

#[test]
fn non_method_keys_are_not_methods() {
    let old = "openapi: 3.0.0\npaths:\n  /a:\n    summary: old\n    get: {}\n";
    let new =
        "openapi: 3.0.0\npaths:\n  /a:\n    summary: new\n    description: d\n    x-foo: 1\n    \
               servers: []\n    parameters: []\n    GET: {}\n    get: {}\n";
    assert!(run(old, new).is_empty());
    // Path-level parameters are not a method, but they apply to the path's operations.
    let new = "openapi: 3.0.0\npaths:\n  /a:\n    parameters:\n      - {name: q, in: query}\n    get: {}\n";
    assert_eq!(
        set(&run(old, new)),
        expect(&[(
            "openapi.paths[/a].methods[GET].parameters[q:query]",
            Added,
            P
        )])
    );
}

#[test]
fn operations_that_are_not_mappings() {
    // Both null: nothing to compare (as in Go).
    let old = "openapi: 3.0.0\npaths:\n  /a:\n    get:\n";
    assert!(run(old, old).is_empty());
    // One side a mapping: compared against an empty operation.
    let new = "openapi: 3.0.0\npaths:\n  /a:\n    get:\n      responses:\n        '200': {description: OK}\n";
    assert_eq!(
        set(&run(old, new)),
        expect(&[("openapi.paths[/a].methods[GET].responses[200]", Added, N)])
    );
}

// ---------------------------------------------------------------------------------------------
// Parameters

fn params(list: &str) -> String {
    with_get(&format!("parameters:\n{}\n{OK}", indent(list, 2)))
}

const SORT: &str = "- name: sort\n  in: query\n  schema:\n    type: string";

#[test]
fn parameter_added_optional_is_potentially_breaking() {
    let changes = run(&params("[]"), &params(SORT));
    let c = one(&changes);
    assert_eq!(
        c.path,
        "openapi.paths[/users].methods[GET].parameters[sort:query]"
    );
    assert_eq!((c.change_type, c.classification), (Added, P));
    assert_eq!(c.reason, "GET /users query param 'sort' added");
    assert!(explanation(c).contains("optional"), "{}", explanation(c));
}

#[test]
fn parameter_added_required_is_breaking() {
    let required = "- name: X-Tenant\n  in: header\n  required: true\n  schema: {type: string}";
    let c = run(&params(SORT), &params(&format!("{SORT}\n{required}")))
        .pop()
        .unwrap();
    assert_eq!(
        c.path,
        "openapi.paths[/users].methods[GET].parameters[X-Tenant:header]"
    );
    assert_eq!((c.change_type, c.classification), (Added, B));
    assert!(explanation(&c).contains("required"), "{}", explanation(&c));
    // A path parameter is always required.
    let path_param = "- name: id\n  in: path\n  schema: {type: string}";
    let changes = run(&params(SORT), &params(&format!("{SORT}\n{path_param}")));
    let c = one(&changes);
    assert_eq!((c.change_type, c.classification), (Added, B));
}

#[test]
fn parameter_removed_is_breaking() {
    let changes = run(&params(SORT), &params("[]"));
    let c = one(&changes);
    assert_eq!((c.change_type, c.classification), (Removed, B));
    assert_eq!(
        c.old_value,
        Some(Value::from("GET /users query param 'sort'"))
    );
    assert_eq!(c.reason, "GET /users query param 'sort' removed");
}

#[test]
fn parameter_required_flip_is_breaking() {
    let required = "- name: sort\n  in: query\n  required: true\n  schema:\n    type: string";
    let changes = run(&params(SORT), &params(required));
    let c = one(&changes);
    assert_eq!(
        c.path,
        "openapi.paths[/users].methods[GET].parameters[sort:query]"
    );
    assert_eq!((c.change_type, c.classification), (Modified, B));
    assert_eq!(c.reason, "GET /users query param 'sort' modified");
    assert_eq!(
        c.old_value,
        Some(Value::from("GET /users query param 'sort'"))
    );
    assert_eq!(
        c.new_value,
        Some(Value::from("GET /users query param 'sort'"))
    );
    assert!(
        explanation(c).starts_with("`required` changed from false to true"),
        "{}",
        explanation(c)
    );
    // The other way round is a relaxation: Go's POTENTIAL_BREAKING.
    let changes = run(&params(required), &params(SORT));
    let c = one(&changes);
    assert_eq!((c.change_type, c.classification), (Modified, P));
    assert!(
        explanation(c).contains("from true to false"),
        "{}",
        explanation(c)
    );
}

#[test]
fn parameter_type_change_is_breaking_and_widening_is_not() {
    let integer = "- name: sort\n  in: query\n  schema:\n    type: integer";
    let changes = run(&params(SORT), &params(integer));
    let c = one(&changes);
    assert_eq!((c.change_type, c.classification), (Modified, B));
    assert!(
        explanation(c).contains("`schema.type` changed from `string` to `integer`"),
        "{}",
        explanation(c)
    );
    // integer → number accepts every old value.
    let number = "- name: sort\n  in: query\n  schema:\n    type: number";
    let c = run(&params(integer), &params(number)).pop().unwrap();
    assert_eq!(c.classification, P);
    assert!(explanation(&c).contains("widened"), "{}", explanation(&c));
    // 3.0 `nullable: true` widens too.
    let nullable = "- name: sort\n  in: query\n  schema:\n    type: string\n    nullable: true";
    let c = run(&params(SORT), &params(nullable)).pop().unwrap();
    assert_eq!(c.classification, P);
    // Dropping `type` accepts anything; adding one narrows.
    let untyped = "- name: sort\n  in: query\n  schema: {}";
    assert_eq!(run(&params(SORT), &params(untyped))[0].classification, P);
    assert_eq!(run(&params(untyped), &params(SORT))[0].classification, B);
}

#[test]
fn parameter_other_modification_is_potentially_breaking() {
    let described =
        "- name: sort\n  in: query\n  description: Sort order\n  schema:\n    type: string";
    let changes = run(&params(SORT), &params(described));
    let c = one(&changes);
    assert_eq!((c.change_type, c.classification), (Modified, P));
    assert!(
        explanation(c).starts_with("Changed: `description` added (\"Sort order\")."),
        "{}",
        explanation(c)
    );
    let enumerated =
        "- name: sort\n  in: query\n  schema:\n    type: string\n    enum: [asc, desc]";
    let c = run(&params(SORT), &params(enumerated)).pop().unwrap();
    assert_eq!(c.classification, P);
    assert!(
        explanation(&c).contains("`schema.enum` added (a list of 2 items)"),
        "{}",
        explanation(&c)
    );
    // Key order and flow vs block style do not matter.
    let reordered = "- {schema: {type: string}, in: query, name: sort}";
    assert!(run(&params(SORT), &params(reordered)).is_empty());
}

#[test]
fn parameter_by_ref_is_keyed_by_resolved_name() {
    let doc_with = |component: &str| {
        format!(
            "openapi: 3.0.3\npaths:\n  /users:\n    get:\n      parameters:\n        - $ref: \
             '#/components/parameters/Sort'\n      responses: {{}}\ncomponents:\n  parameters:\n    \
             Sort:\n{}\n",
            indent(component, 6)
        )
    };
    let sort = "name: sort\nin: query\nschema:\n  type: string";
    // Inline vs. the same parameter through `$ref`: no change.
    let inline = "openapi: 3.0.3\npaths:\n  /users:\n    get:\n      parameters:\n        - name: sort\n          \
                  in: query\n          schema:\n            type: string\n      responses: {}\n";
    assert!(run(inline, &doc_with(sort)).is_empty());
    // A change inside the referenced component is a modified parameter (Go skips `$ref`s).
    let required = "name: sort\nin: query\nrequired: true\nschema:\n  type: string";
    let changes = run(&doc_with(sort), &doc_with(required));
    let c = one(&changes);
    assert_eq!(
        c.path,
        "openapi.paths[/users].methods[GET].parameters[sort:query]"
    );
    assert_eq!((c.change_type, c.classification), (Modified, B));
    // Removing a `$ref` parameter is seen.
    let changes = run(
        &doc_with(sort),
        inline.replace("- name: sort", "- name: order").as_str(),
    );
    assert_eq!(
        set(&changes),
        expect(&[
            (
                "openapi.paths[/users].methods[GET].parameters[sort:query]",
                Removed,
                B
            ),
            (
                "openapi.paths[/users].methods[GET].parameters[order:query]",
                Added,
                P
            ),
        ])
    );
    // A schema reached through `$ref` inside the parameter.
    let via_schema = |ty: &str| {
        format!(
            "openapi: 3.0.3\npaths:\n  /users:\n    get:\n      parameters:\n        - name: id\n          \
             in: query\n          schema: {{$ref: '#/components/schemas/Id'}}\n      responses: {{}}\n\
             components:\n  schemas:\n    Id:\n      type: {ty}\n"
        )
    };
    let c = run(&via_schema("string"), &via_schema("integer"))
        .pop()
        .unwrap();
    assert_eq!((c.change_type, c.classification), (Modified, B));
}

#[test]
fn unresolvable_parameter_refs_are_skipped() {
    let old = "openapi: 3.0.3\npaths:\n  /a:\n    get:\n      parameters:\n        - $ref: 'other.yaml#/P'\n";
    let new =
        "openapi: 3.0.3\npaths:\n  /a:\n    get:\n      parameters:\n        - $ref: '#/nowhere'\n";
    assert!(run(old, new).is_empty());
}

#[test]
fn path_level_parameters_are_merged() {
    let old = "openapi: 3.0.3\npaths:\n  /users/{id}:\n    get: {}\n    delete: {}\n";
    let new = "openapi: 3.0.3\npaths:\n  /users/{id}:\n    parameters:\n      - name: id\n        in: path\n        \
               required: true\n        schema: {type: string}\n    get: {}\n    delete: {}\n";
    let changes = run(old, new);
    assert_eq!(
        set(&changes),
        expect(&[
            (
                "openapi.paths[/users/{id}].methods[GET].parameters[id:path]",
                Added,
                B
            ),
            (
                "openapi.paths[/users/{id}].methods[DELETE].parameters[id:path]",
                Added,
                B
            ),
        ])
    );
    // The source of a path-level parameter is the path-level item.
    assert_eq!(changes[0].new_source.as_ref().unwrap().line, 5);
    // The operation's own parameter wins over the path-level one with the same name:in.
    let overridden = "openapi: 3.0.3\npaths:\n  /users/{id}:\n    parameters:\n      - name: id\n        in: path\n        \
                      required: true\n        schema: {type: string}\n    get:\n      parameters:\n        - name: id\n          \
                      in: path\n          required: true\n          schema: {type: integer}\n    delete: {}\n";
    let changes = run(new, overridden);
    let c = one(&changes);
    assert_eq!(
        c.path,
        "openapi.paths[/users/{id}].methods[GET].parameters[id:path]"
    );
    assert_eq!((c.change_type, c.classification), (Modified, B));
    // Moving a parameter between the path and the operation changes nothing.
    let moved = "openapi: 3.0.3\npaths:\n  /users/{id}:\n    get:\n      parameters:\n        - name: id\n          \
                 in: path\n          required: true\n          schema: {type: string}\n    delete:\n      parameters:\n        \
                 - {name: id, in: path, required: true, schema: {type: string}}\n";
    assert!(run(new, moved).is_empty());
}

#[test]
fn numeric_parameter_names_are_their_text() {
    let old = params("- name: 1\n  in: query");
    let new = params("- name: 1\n  in: query\n  required: true");
    let c = run(&old, &new).pop().unwrap();
    assert_eq!(
        c.path,
        "openapi.paths[/users].methods[GET].parameters[1:query]"
    );
}

// ---------------------------------------------------------------------------------------------
// Request bodies

fn post(body: &str) -> String {
    format!(
        "openapi: 3.0.3\npaths:\n  /users:\n    post:\n{}\n      responses: {{}}\ncomponents:\n  schemas:\n    \
         User:\n      type: object\n      properties:\n        name: {{type: string}}\n    UserV2:\n      \
         type: object\n      properties:\n        name: {{type: string}}\n        email: {{type: string}}\n",
        indent(body, 6)
    )
}

const BODY: &str = "requestBody:\n  content:\n    application/json:\n      schema:\n        $ref: '#/components/schemas/User'";

#[test]
fn request_body_added_and_removed() {
    let none = post("summary: s");
    let changes = run(&none, &post(BODY));
    let c = one(&changes);
    assert_eq!(c.path, "openapi.paths[/users].methods[POST].request-body");
    assert_eq!((c.change_type, c.classification), (Added, P));
    assert_eq!(c.reason, "POST /users request body added");
    assert_eq!(c.new_value, Some(Value::from("POST /users")));
    let required = BODY.replace("requestBody:\n", "requestBody:\n  required: true\n");
    let c = run(&none, &post(&required)).pop().unwrap();
    assert_eq!((c.change_type, c.classification), (Added, B));
    let changes = run(&post(BODY), &none);
    let c = one(&changes);
    assert_eq!((c.change_type, c.classification), (Removed, P));
    assert_eq!(c.reason, "POST /users request body removed");
    assert_eq!(c.old_value, Some(Value::from("POST /users")));
}

#[test]
fn request_body_required_flip_is_breaking() {
    let required = BODY.replace("requestBody:\n", "requestBody:\n  required: true\n");
    let changes = run(&post(BODY), &post(&required));
    let c = one(&changes);
    assert_eq!(c.path, "openapi.paths[/users].methods[POST].request-body");
    assert_eq!((c.change_type, c.classification), (Modified, B));
    assert_eq!(c.reason, "POST /users request body modified");
    assert!(explanation(c).contains("`required` changed from false to true"));
    let c = run(&post(&required), &post(BODY)).pop().unwrap();
    assert_eq!((c.change_type, c.classification), (Modified, P));
}

#[test]
fn request_body_media_types() {
    let xml = format!("{BODY}\n    application/xml:\n      schema: {{type: string}}");
    let changes = run(&post(&xml), &post(BODY));
    let c = one(&changes);
    assert_eq!(
        c.path,
        "openapi.paths[/users].methods[POST].request-body.content[application/xml]"
    );
    assert_eq!((c.change_type, c.classification), (Removed, B));
    assert_eq!(
        c.reason,
        "POST /users request body media type application/xml removed"
    );
    assert_eq!(
        c.old_value,
        Some(Value::from("POST /users application/xml"))
    );
    let changes = run(&post(BODY), &post(&xml));
    let c = one(&changes);
    assert_eq!((c.change_type, c.classification), (Added, N));
    // A media type removed while another one's schema changed: both reported.
    let v2 = xml.replace("User'", "UserV2'");
    let changes = run(&post(&v2), &post(BODY));
    assert_eq!(
        set(&changes),
        expect(&[
            (
                "openapi.paths[/users].methods[POST].request-body",
                Modified,
                P
            ),
            (
                "openapi.paths[/users].methods[POST].request-body.content[application/xml]",
                Removed,
                B
            ),
        ])
    );
}

#[test]
fn request_body_schema_change_through_ref() {
    let v2 = BODY.replace("User'", "UserV2'");
    let changes = run(&post(BODY), &post(&v2));
    let c = one(&changes);
    assert_eq!(c.path, "openapi.paths[/users].methods[POST].request-body");
    assert_eq!((c.change_type, c.classification), (Modified, P));
    assert_eq!(c.reason, "POST /users request body modified");
    assert!(
        explanation(c).contains(
            "`#/components/schemas/User` → `#/components/schemas/UserV2`: `properties.email` added"
        ),
        "{}",
        explanation(c)
    );
    // The component itself changed, the reference did not.
    let old = post(BODY);
    let new = old.replace(
        "name: {type: string}\n    UserV2",
        "name: {type: integer}\n    UserV2",
    );
    let c = run(&old, &new).pop().unwrap();
    assert_eq!((c.change_type, c.classification), (Modified, P));
    assert!(
        explanation(&c).contains(
            "`#/components/schemas/User`: `properties.name.type` changed from \"string\" to \"integer\""
        ),
        "{}",
        explanation(&c)
    );
    // A body given as `#/components/requestBodies/...`.
    let by_ref = |name: &str| {
        format!(
            "openapi: 3.0.3\npaths:\n  /u:\n    put:\n      requestBody: {{$ref: '#/components/requestBodies/B'}}\n\
             components:\n  requestBodies:\n    B:\n      content:\n        application/json:\n          \
             schema: {{type: object, required: [{name}]}}\n"
        )
    };
    let c = run(&by_ref("a"), &by_ref("b")).pop().unwrap();
    assert_eq!(c.path, "openapi.paths[/u].methods[PUT].request-body");
    assert_eq!(c.change_type, Modified);
    assert!(run(&by_ref("a"), &by_ref("a")).is_empty());
}

// ---------------------------------------------------------------------------------------------
// Responses

fn responses(codes: &str) -> String {
    with_get(&format!("responses:\n{}", indent(codes, 2)))
}

#[test]
fn responses_added_removed_modified() {
    let old = responses("\"200\":\n  description: OK\n\"404\":\n  description: Missing");
    let new = responses("\"200\":\n  description: Fine\n\"500\":\n  description: Oops");
    let changes = run(&old, &new);
    assert_eq!(
        set(&changes),
        expect(&[
            (
                "openapi.paths[/users].methods[GET].responses[200]",
                Modified,
                P
            ),
            (
                "openapi.paths[/users].methods[GET].responses[404]",
                Removed,
                B
            ),
            (
                "openapi.paths[/users].methods[GET].responses[500]",
                Added,
                N
            ),
        ])
    );
    let by = |p: &str| changes.iter().find(|c| c.path.ends_with(p)).unwrap();
    assert_eq!(by("[404]").reason, "GET /users response 404 removed");
    assert_eq!(by("[404]").old_value, Some(Value::from("GET /users 404")));
    assert_eq!(by("[500]").reason, "GET /users response 500 added");
    assert_eq!(
        explanation(by("[200]")),
        "Changed: `description` changed from \"OK\" to \"Fine\". Whether existing clients break \
         depends on how they read the response."
    );
}

#[test]
fn response_by_ref() {
    let by_ref = |desc: &str| {
        format!(
            "openapi: 3.0.3\npaths:\n  /u:\n    get:\n      responses:\n        '404': {{$ref: \
             '#/components/responses/NotFound'}}\ncomponents:\n  responses:\n    NotFound:\n      \
             description: {desc}\n"
        )
    };
    let c = run(&by_ref("gone"), &by_ref("missing")).pop().unwrap();
    assert_eq!(c.path, "openapi.paths[/u].methods[GET].responses[404]");
    assert_eq!((c.change_type, c.classification), (Modified, P));
    // Inline and by reference, same content: equal.
    let inline = "openapi: 3.0.3\npaths:\n  /u:\n    get:\n      responses:\n        '404': {description: gone}\n";
    assert!(run(inline, &by_ref("gone")).is_empty());
}

#[test]
fn unquoted_status_codes_are_detected() {
    // Go Pacto sees no responses at all here (int keys); we key them by their text.
    let old = responses("200:\n  description: OK\n404:\n  description: Missing");
    let new = responses("200:\n  description: Fine\n201:\n  description: Created");
    assert_eq!(
        set(&run(&old, &new)),
        expect(&[
            (
                "openapi.paths[/users].methods[GET].responses[200]",
                Modified,
                P
            ),
            (
                "openapi.paths[/users].methods[GET].responses[404]",
                Removed,
                B
            ),
            (
                "openapi.paths[/users].methods[GET].responses[201]",
                Added,
                N
            ),
        ])
    );
    // Quoted and unquoted codes are the same code.
    let quoted = responses("\"200\":\n  description: OK\n'404':\n  description: Missing");
    assert!(run(&old, &quoted).is_empty());
    // `default` and `2XX` work too.
    let ranges = responses("2XX:\n  description: OK\ndefault:\n  description: Error");
    assert_eq!(run(&old, &ranges).len(), 4);
}

// ---------------------------------------------------------------------------------------------
// OpenAPI 3.1, recursion, JSON

#[test]
fn openapi_3_1_documents() {
    let v = |ty: &str| {
        format!(
            "openapi: 3.1.0\ninfo: {{title: t, version: '1'}}\npaths:\n  /a:\n    get:\n      parameters:\n        \
             - name: q\n          in: query\n          schema:\n            type: {ty}\n      responses:\n        \
             '200':\n          description: OK\n          content:\n            application/json:\n              \
             schema:\n                type: {ty}\nwebhooks: {{}}\n"
        )
    };
    let changes = run(&v("string"), &v("[string, \"null\"]"));
    assert_eq!(
        set(&changes),
        expect(&[
            (
                "openapi.paths[/a].methods[GET].parameters[q:query]",
                Modified,
                P
            ),
            ("openapi.paths[/a].methods[GET].responses[200]", Modified, P),
        ])
    );
    let param = &changes[0];
    assert!(
        explanation(param).contains("`schema.type` widened from `string` to `[null, string]`"),
        "{}",
        explanation(param)
    );
    // Unquoted `null` in a type list is the type "null" too: the value changed (as Go sees it),
    // the accepted types did not.
    let changes = run(&v("[string, \"null\"]"), &v("[string, null]"));
    let param = &changes[0];
    assert_eq!(param.classification, P);
    assert!(
        !explanation(param).contains("widened"),
        "{}",
        explanation(param)
    );
    assert!(
        explanation(param).contains("`schema.type[1]` changed from \"null\" to null"),
        "{}",
        explanation(param)
    );
    // Narrowing a type list is breaking.
    let c = run(&v("[string, integer]"), &v("[string]")).remove(0);
    assert_eq!(c.classification, B);
    // A 3.1 document without `paths` (webhooks only) is an OpenAPI document with no paths.
    let webhooks = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\nwebhooks: {}\n";
    let changes = run(webhooks, &v("string"));
    assert_eq!(set(&changes), expect(&[("openapi.paths[/a]", Added, N)]));
    assert_eq!(changes[0].old_source, None);
    // 3.1 `$ref` with sibling keys: the siblings override the target.
    let sibling = |d: &str| {
        format!(
            "openapi: 3.1.0\npaths:\n  /a:\n    get:\n      responses:\n        '200':\n          $ref: \
             '#/components/responses/R'\n          description: {d}\ncomponents:\n  responses:\n    R:\n      \
             description: base\n"
        )
    };
    assert!(run(&sibling("x"), &sibling("x")).is_empty());
    let c = run(&sibling("x"), &sibling("y")).pop().unwrap();
    assert!(
        explanation(&c).contains("`description` changed from \"x\" to \"y\""),
        "{}",
        explanation(&c)
    );
}

#[test]
fn recursive_schemas_terminate() {
    let v1 = include_str!("../../../../fixtures/diff/openapi/recursive-v1.yaml");
    let v2 = include_str!("../../../../fixtures/diff/openapi/recursive-v2.yaml");
    assert!(run(v1, v1).is_empty());
    let changes = run(v1, v2);
    let c = one(&changes);
    assert_eq!(c.path, "openapi.paths[/tree].methods[GET].responses[200]");
    assert_eq!((c.change_type, c.classification), (Modified, P));
    assert!(
        explanation(c).contains("`#/components/schemas/Node`: `properties.weight` added"),
        "{}",
        explanation(c)
    );
    // A renamed recursive component with the same structure is the same schema.
    let renamed = v1
        .replace("schemas/Node", "schemas/TreeNode")
        .replace("    Node:", "    TreeNode:");
    assert!(run(v1, &renamed).is_empty());
    // Mutually recursive schemas.
    let mutual = |extra: &str| {
        format!(
            "openapi: 3.0.3\npaths:\n  /a:\n    get:\n      responses:\n        '200':\n          description: OK\n          \
             content:\n            application/json:\n              schema: {{$ref: '#/components/schemas/A'}}\n\
             components:\n  schemas:\n    A:\n      properties:\n        b: {{$ref: '#/components/schemas/B'}}\n    \
             B:\n      properties:\n        a: {{$ref: '#/components/schemas/A'}}{extra}\n"
        )
    };
    assert!(run(&mutual(""), &mutual("")).is_empty());
    assert_eq!(
        run(&mutual(""), &mutual("\n        c: {type: string}")).len(),
        1
    );
}

#[test]
fn looping_ref_chains_terminate() {
    let looping = |d: &str| {
        format!(
            "openapi: 3.0.3\npaths:\n  /a:\n    get:\n      parameters:\n        - $ref: '#/components/parameters/A'\n      \
             responses:\n        '200': {{$ref: '#/components/responses/A'}}\ncomponents:\n  parameters:\n    \
             A: {{$ref: '#/components/parameters/B'}}\n    B: {{$ref: '#/components/parameters/A'}}\n  responses:\n    \
             A: {{$ref: '#/components/responses/B'}}\n    B: {{$ref: '#/components/responses/A', description: {d}}}\n"
        )
    };
    assert!(run(&looping("x"), &looping("x")).is_empty());
    // The response chain loops; its text differs, so it is modified.
    assert_eq!(run(&looping("x"), &looping("y")).len(), 1);
    // A long chain is followed up to the hop bound, then compared by its text.
    let chain = |n: usize| {
        let mut s = String::from(
            "openapi: 3.0.3\npaths:\n  /a:\n    get:\n      responses:\n        '200': {$ref: '#/components/responses/R0'}\ncomponents:\n  responses:\n",
        );
        for i in 0..n {
            s.push_str(&format!(
                "    R{i}: {{$ref: '#/components/responses/R{}'}}\n",
                i + 1
            ));
        }
        s.push_str(&format!("    R{n}: {{description: end}}\n"));
        s
    };
    assert!(run(&chain(10), &chain(20)).is_empty());
    assert!(run(&chain(100), &chain(100)).is_empty());
}

#[test]
fn deep_structures_are_bounded() {
    // Nesting through references past the depth limit falls back to comparing text.
    let deep = |leaf: &str| {
        let mut s = String::from(
            "openapi: 3.0.3\npaths:\n  /a:\n    get:\n      responses:\n        '200':\n          description: OK\n          \
             content:\n            application/json:\n              schema: {$ref: '#/components/schemas/S0'}\n\
             components:\n  schemas:\n",
        );
        for i in 0..200 {
            s.push_str(&format!(
                "    S{i}: {{type: object, properties: {{next: {{$ref: '#/components/schemas/S{}'}}}}}}\n",
                i + 1
            ));
        }
        s.push_str(&format!("    S200: {{type: {leaf}}}\n"));
        s
    };
    assert!(run(&deep("string"), &deep("string")).is_empty());
    assert_eq!(run(&deep("string"), &deep("integer")).len(), 1);
}

#[test]
fn json_documents() {
    let json = r#"{
  "openapi": "3.0.3",
  "info": {"title": "accounts-api", "version": "1.0.0"},
  "paths": {
    "/health": {"get": {"summary": "Liveness probe", "responses": {"200": {"description": "Alive"}}}},
    "/users": {
      "get": {
        "summary": "List the users",
        "parameters": [{"name": "sort", "in": "query", "schema": {"type": "string"}}],
        "responses": {"200": {"description": "The users", "content": {"application/json": {"schema":
          {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}}}}}}}}
      },
      "delete": {"summary": "Remove every user", "responses": {"204": {"description": "Removed"}}}
    }
  }
}"#;
    let v1 = include_str!("../../../../fixtures/diff/openapi/case2-v1.yaml");
    let v2 = include_str!("../../../../fixtures/diff/openapi/case2-v2.yaml");
    // The same document in JSON and YAML: no changes, whichever side is which.
    assert!(diff(&doc("a.json", json), &doc("b.yaml", v1)).is_empty());
    assert!(diff(&doc("b.yaml", v1), &doc("a.json", json)).is_empty());
    let changes = diff(&doc("a.json", json), &doc("b.yaml", v2));
    assert_eq!(set(&changes), set(&run(v1, v2)));
    let c = changes
        .iter()
        .find(|c| c.path.ends_with("parameters[sort:query]"))
        .unwrap();
    let src = c.old_source.as_ref().unwrap();
    assert_eq!((src.file.as_str(), src.line), ("a.json", 9));
}

// ---------------------------------------------------------------------------------------------
// Parse errors and bounds

#[test]
fn parse_errors_name_file_line_and_column() {
    let e = OpenApiDoc::parse("api.yaml", "openapi: 3.0.0\npaths:\n  /a: [\n").unwrap_err();
    match &e {
        OpenApiError::Syntax {
            file, line, column, ..
        } => {
            assert_eq!(file, "api.yaml");
            assert!(*line >= 3, "{e}");
            assert!(*column >= 1, "{e}");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        e.to_string()
            .starts_with("api.yaml: not valid YAML/JSON at line "),
        "{e}"
    );
    assert!(!e.is_not_openapi());

    let e =
        OpenApiDoc::parse("api.json", "{\"openapi\": \"3.0.0\",\n \"paths\": {\n}").unwrap_err();
    assert!(
        e.to_string()
            .starts_with("api.json: not valid YAML/JSON at line 3"),
        "{e}"
    );

    let e =
        OpenApiDoc::parse("api.yaml", "openapi: 3.0.0\npaths:\n  /a: {}\n  /a: {}\n").unwrap_err();
    assert_eq!(
        e.to_string(),
        "api.yaml: not valid YAML/JSON at line 4, column 3: mapping key \"/a\" is already defined at line 3"
    );
}

#[test]
fn documents_that_are_not_openapi() {
    let cases = [
        ("", "the document is empty"),
        ("# only a comment\n", "the document is empty"),
        ("- a\n- b\n", "the top level is not a mapping"),
        ("asyncapi: 2.6.0\nchannels: {}\n", "no `paths` mapping"),
        ("openapi: 3.0.3\ninfo: {}\n", "no `paths` mapping"),
        ("openapi: 3.0.3\npaths: [a]\n", "`paths` is not a mapping"),
        ("syntax = \"proto3\";\n", "the top level is not a mapping"),
    ];
    for (text, reason) in cases {
        let e = OpenApiDoc::parse("x.yaml", text).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("x.yaml: not an OpenAPI document ({reason})"),
            "{text:?}"
        );
        assert!(e.is_not_openapi());
        assert_eq!(e.file(), "x.yaml");
    }
    // `paths:` left empty is an OpenAPI document without paths.
    let d = doc("x.yaml", "openapi: 3.0.3\npaths:\n");
    assert_eq!(d.file(), "x.yaml");
    assert_eq!(diff(&d, &d), Vec::new());
}

#[test]
fn oversized_documents_are_refused() {
    let mut text = String::from("openapi: 3.0.3\npaths: {}\n#");
    text.push_str(&"x".repeat(MAX_DOCUMENT_BYTES));
    let e = OpenApiDoc::parse("big.yaml", &text).unwrap_err();
    assert!(matches!(e, OpenApiError::TooLarge { .. }), "{e:?}");
    assert!(
        e.to_string().starts_with("big.yaml: the document is "),
        "{e}"
    );
    // Just under the bound (mostly comment) is read.
    let mut text = String::from("openapi: 3.0.3\npaths: {}\n#");
    text.push_str(&"x".repeat(MAX_DOCUMENT_BYTES - text.len()));
    assert!(OpenApiDoc::parse("big.yaml", &text).is_ok());
}

#[test]
fn alias_bombs_are_refused() {
    let mut text =
        String::from("openapi: 3.0.3\npaths: {}\nx0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n");
    for i in 1..12 {
        let prev = i - 1;
        text.push_str(&format!(
            "x{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
        ));
    }
    let e = OpenApiDoc::parse("bomb.yaml", &text).unwrap_err();
    assert!(matches!(e, OpenApiError::LimitExceeded { .. }), "{e:?}");
}

// ---------------------------------------------------------------------------------------------
// Sources

#[test]
fn sources_point_at_the_nodes() {
    let v1 = include_str!("../../../../fixtures/diff/openapi/case2-v1.yaml");
    let v2 = include_str!("../../../../fixtures/diff/openapi/case2-v2.yaml");
    let old = doc("v1/interfaces/openapi.yaml", v1);
    let new = doc("v2/interfaces/openapi.yaml", v2);
    let changes = diff(&old, &new);
    let lines = |path: &str| {
        let c = changes.iter().find(|c| c.path == path).unwrap();
        let o = c.old_source.as_ref().unwrap();
        let n = c.new_source.as_ref().unwrap();
        assert_eq!(o.file, "v1/interfaces/openapi.yaml");
        assert_eq!(n.file, "v2/interfaces/openapi.yaml");
        (o.line, n.line, &v1[o.span.range()], &v2[n.span.range()])
    };
    // Added path: the new path key; in the old file, the `paths` key.
    assert_eq!(lines("openapi.paths[/orders]"), (5, 49, "paths", "/orders"));
    // Removed method: the old method key; in the new file, the path key.
    assert_eq!(
        lines("openapi.paths[/users].methods[DELETE]"),
        (32, 12, "delete", "/users")
    );
    assert_eq!(lines("openapi.paths[/users].methods[POST]").0, 12);
    assert_eq!(lines("openapi.paths[/users].methods[POST]").3, "post");
    // Parameters: the list item; the other side's `parameters` key.
    let (o, n, otext, ntext) = lines("openapi.paths[/users].methods[GET].parameters[sort:query]");
    assert_eq!((o, n, ntext), (16, 15, "parameters"));
    assert!(otext.starts_with("name: sort"), "{otext}");
    // Responses: the code keys.
    assert_eq!(
        lines("openapi.paths[/users].methods[GET].responses[200]"),
        (21, 21, "\"200\"", "\"200\"")
    );
    assert_eq!(
        lines("openapi.paths[/users].methods[GET].responses[404]"),
        (20, 34, "responses", "\"404\"")
    );
}

#[test]
fn sources_of_request_bodies_and_media_types() {
    let xml = format!("{BODY}\n    application/xml:\n      schema: {{type: string}}");
    let old = post(&xml);
    let new = post(&BODY.replace("User'", "UserV2'"));
    let changes = run(&old, &new);
    let body = changes
        .iter()
        .find(|c| c.path.ends_with("request-body"))
        .unwrap();
    assert_eq!(
        &old[body.old_source.as_ref().unwrap().span.range()],
        "requestBody"
    );
    assert_eq!(body.old_source.as_ref().unwrap().line, 5);
    let media = changes
        .iter()
        .find(|c| c.path.ends_with("[application/xml]"))
        .unwrap();
    let o = media.old_source.as_ref().unwrap();
    assert_eq!((&old[o.span.range()], o.line), ("application/xml", 10));
    let n = media.new_source.as_ref().unwrap();
    assert_eq!((&new[n.span.range()], n.line), ("content", 6));
}

// ---------------------------------------------------------------------------------------------
// Shared components, path items by reference, long explanations

#[test]
fn a_shared_component_change_shows_everywhere_it_is_used() {
    let v = |ty: &str| {
        format!(
            "openapi: 3.0.3\npaths:\n  /a:\n    get:\n      responses:\n        '200':\n          description: OK\n          \
             content:\n            application/json:\n              schema: {{$ref: '#/components/schemas/S'}}\n    \
             put:\n      requestBody:\n        content:\n          application/json:\n            schema: {{$ref: \
             '#/components/schemas/S'}}\n  /b:\n    get:\n      responses:\n        '200':\n          description: OK\n          \
             content:\n            application/json:\n              schema:\n                type: array\n                \
             items: {{$ref: '#/components/schemas/S'}}\ncomponents:\n  schemas:\n    S:\n      type: object\n      \
             properties:\n        id: {{type: {ty}}}\n"
        )
    };
    let changes = run(&v("string"), &v("integer"));
    assert_eq!(
        set(&changes),
        expect(&[
            ("openapi.paths[/a].methods[GET].responses[200]", Modified, P),
            ("openapi.paths[/a].methods[PUT].request-body", Modified, P),
            ("openapi.paths[/b].methods[GET].responses[200]", Modified, P),
        ])
    );
    for c in &changes {
        assert!(
            explanation(c).contains(
                "`#/components/schemas/S`: `properties.id.type` changed from \"string\" to \"integer\""
            ),
            "{}: {}",
            c.path,
            explanation(c)
        );
    }
}

#[test]
fn path_items_by_reference() {
    let v = |extra: &str| {
        format!(
            "openapi: 3.1.0\npaths:\n  /a: {{$ref: '#/components/pathItems/A'}}\ncomponents:\n  pathItems:\n    A:\n      \
             get: {{responses: {{'200': {{description: OK}}}}}}\n{extra}"
        )
    };
    let changes = run(&v(""), &v("      delete: {}\n"));
    let c = one(&changes);
    assert_eq!(
        (c.path.as_str(), c.change_type),
        ("openapi.paths[/a].methods[DELETE]", Added)
    );
    assert_eq!(c.new_source.as_ref().unwrap().line, 8);
}

#[test]
fn long_explanations_are_bounded() {
    let props = |n: usize| {
        (0..n)
            .map(|i| format!("        p{i}: {{type: string}}\n"))
            .collect::<String>()
    };
    let v = |n: usize| {
        format!(
            "openapi: 3.0.3\npaths:\n  /a:\n    get:\n      responses:\n        '200':\n          description: OK\n          \
             content:\n            application/json:\n              schema: {{$ref: '#/components/schemas/S'}}\n\
             components:\n  schemas:\n    S:\n      type: object\n      properties:\n{}",
            props(n)
        )
    };
    let c = run(&v(1), &v(21)).pop().unwrap();
    let text = explanation(&c);
    assert_eq!(
        text.matches(" added").count(),
        compare::MAX_REPORTED,
        "{text}"
    );
    assert!(text.contains("; and more."), "{text}");
    let c = run(&v(1), &v(4)).pop().unwrap();
    assert!(!explanation(&c).contains("and more"), "{}", explanation(&c));
}
