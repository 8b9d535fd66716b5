//! A minimal embedder: `wasiland-embedder-example CODE` runs `python3 -c
//! CODE` in a fresh sandbox and prints what it wrote, exiting with its
//! status. The guests are found as the CLI finds them
//! (`$WASILAND_FIXTURES`, the install layout, ...).

use std::process::ExitCode;
use std::time::Duration;

fn main() -> ExitCode {
    let Some(code) = std::env::args().nth(1) else {
        eprintln!("usage: wasiland-embedder-example PYTHON_CODE");
        return ExitCode::from(2);
    };
    let limits = wasiland::Limits {
        timeout: Some(Duration::from_secs(120)),
        ..Default::default()
    };
    let mut sandbox = match wasiland::Sandbox::builder().limits(limits).build() {
        Ok(sb) => sb,
        Err(e) => {
            eprintln!("wasiland-embedder-example: {e}");
            return ExitCode::from(1);
        }
    };
    // The code reaches the shell as a variable: no quoting to get right.
    sandbox.shell_mut().export("CODE", &code);
    let result = sandbox.run("python3 -c \"$CODE\"");
    print!("{}", result.stdout_str());
    eprint!("{}", result.stderr_str());
    ExitCode::from(u8::try_from(result.exit_code).unwrap_or(1))
}
