pub mod init;
pub mod validate;
