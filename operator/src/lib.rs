//! `pacto-operator`: tracks Pacto contracts in a Kubernetes cluster, links them to their
//! Service and workload, and verifies that what runs matches what the contract declares.
//!
//! - [`crd`]: the `Pacto` and `PactoRevision` custom resources (same API as the Go operator);
//! - [`checks`]: the alignment checks, pure functions over the contract and `k8s-openapi` objects;
//! - [`contract`]: overrides, validation with the core, contract-derived status fields;
//! - [`source`]: inline and OCI contracts, pull secrets;
//! - [`reconcile`]: the reconcile function and its context;
//! - [`runtime_v2`]: Pacto 2.0: observer -> evidence -> findings and coverage (Go 5.x's model);
//! - [`controller`]: watches, leader election, the metrics and health server;
//! - [`watches`]: each watch's health, backoff and WARN logs, kept apart from the others;
//! - [`apierror`]: API errors as HTTP status, verb and resource;
//! - [`dashboard`]: the operator-managed dashboard (`--enable-dashboard`);
//! - [`metrics_auth`]: `--metrics-secure`: HTTPS `/metrics` behind TokenReview + SubjectAccessReview.

pub mod apierror;
pub mod checks;
pub mod contract;
pub mod controller;
pub mod crd;
pub mod dashboard;
pub mod metrics;
pub mod metrics_auth;
pub mod reconcile;
pub mod runtime_v2;
pub mod source;
pub mod watches;
