//! `cargo fvi test` and `cargo fvi bench`.
pub fn main(_args: &[String]) -> Result<(), String> {
    Err("test: not written yet".into())
}
pub fn bench(_args: &[String]) -> Result<(), String> {
    Err("bench: not written yet".into())
}
