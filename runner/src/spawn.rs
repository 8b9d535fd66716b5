//! `wasiland_v1.spawn` in the runner: the import itself is
//! [`wasiland_wasi_host::spawn`] (its wire format the
//! `wasiland-spawn-abi` crate, shared with the guests); here a process's
//! store data names its spawner, the sandbox's [`crate::ExecEnv`], which
//! runs the command as the sandbox's shell would (builtins, PATH lookup,
//! scripts) and answers `again` past its nesting limit.

use crate::process::ProcessState;
use std::sync::Arc;
use wasmi::Linker;

pub use wasiland_wasi_host::spawn::{
    abi, add_nosys_to_linker, SpawnView, Spawner, MAX_CWD_BYTES, MODULE,
};

impl SpawnView for ProcessState {
    fn spawner(&self) -> Option<Arc<dyn Spawner>> {
        self.spawner.clone()
    }
}

/// Define `wasiland_v1.spawn` on the runner's linker.
pub(crate) fn add_to_linker(
    linker: &mut Linker<ProcessState>,
) -> Result<(), wasmi::errors::LinkerError> {
    wasiland_wasi_host::spawn::add_to_linker(linker)
}
