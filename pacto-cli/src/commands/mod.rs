pub mod diff;
pub mod init;
pub mod validate;
