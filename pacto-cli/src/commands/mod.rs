pub mod diff;
pub mod graph;
pub mod init;
pub mod login;
pub mod pack;
pub mod pull;
pub mod push;
pub mod validate;
