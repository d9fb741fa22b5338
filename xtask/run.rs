//! `cargo fvi run`: builds, then shows the extension working on the simulator page.
pub fn main(args: &[String]) -> Result<(), String> {
    crate::setup::ensure(crate::setup::Need::Build)?;
    crate::pack::build()?;
    if args.iter().any(|a| a == "--build-only") {
        return Ok(());
    }
    Err("run: not written yet".into())
}
