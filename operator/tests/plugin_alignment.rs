//! The manifests `pacto-plugin-k8s` generates for a contract pass every alignment check the
//! operator runs for that contract: generator and checker agree on what "aligned" means.

#![allow(clippy::unwrap_used)]

use pacto_core::model::Contract;
use pacto_core::syntax::{parse, Limits};
use pacto_operator::checks::{self, Observed, Workload};
use pacto_operator::crd::WorkloadKind;
use pacto_plugin_k8s::{Manifests, Options, Workload as Generated};
use std::collections::BTreeMap;
use std::path::Path;

#[test]
fn generated_manifests_pass_every_check_for_every_valid_fixture() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/valid");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("pacto.yaml").is_file())
        .collect();
    dirs.sort();
    assert!(
        dirs.len() >= 5,
        "expected the valid fixtures under {root:?}"
    );
    let mut total_checks = 0;
    for dir in dirs {
        let text = std::fs::read_to_string(dir.join("pacto.yaml")).unwrap();
        let tree = parse(&text, &Limits::default()).tree.unwrap();
        let contract = Contract::from_tree(&tree);
        let m = Manifests::build(
            &contract,
            &tree,
            &Options::from_map(&BTreeMap::new()).unwrap(),
        )
        .unwrap();
        let workload = match m.workload {
            Generated::Deployment(d) => Workload::Deployment(d),
            Generated::StatefulSet(s) => Workload::StatefulSet(s),
            Generated::Job(j) => Workload::Job(j),
            Generated::CronJob(c) => Workload::CronJob(c),
        };
        let kind: WorkloadKind = workload.kind();
        let observed = Observed {
            service_name: m.service.as_ref().map(|s| s.metadata.name.clone().unwrap()),
            service: m.service.clone(),
            workload_ref: Some((workload.name().to_string(), kind)),
            workload: Some(workload),
            hpa: m.hpa.clone(),
            unavailable: vec![],
        };
        let outcome = checks::run(&contract, &observed);
        let failed: Vec<_> = outcome.checks.iter().filter(|c| !c.passed()).collect();
        assert!(
            failed.is_empty(),
            "{}: generated manifests fail {failed:#?}",
            dir.display()
        );
        assert_eq!(
            checks::derive_status(&outcome.checks),
            pacto_operator::crd::ContractStatus::Compliant,
            "{}",
            dir.display()
        );
        let types: Vec<&str> = outcome.checks.iter().map(|c| c.type_).collect();
        // The checks that apply to the contract actually ran (not a vacuous pass).
        assert!(types.contains(&"WorkloadExists"), "{types:?}");
        if !checks::contract_ports(&contract).is_empty() {
            for t in ["ServiceExists", "PortsValid", "ContainerPortsValid"] {
                assert!(
                    types.contains(&t),
                    "{}: {t} missing from {types:?}",
                    dir.display()
                );
            }
        }
        if contract.runtime.is_some() {
            assert!(types.contains(&"WorkloadTypeMatch") && types.contains(&"StateModelMatch"));
        }
        if contract.scaling.is_some() {
            assert!(
                types.contains(&"ScalingMatch"),
                "{}: {types:?}",
                dir.display()
            );
        }
        total_checks += outcome.checks.len();
    }
    assert!(total_checks > 30, "only {total_checks} checks ran");
}
