//! The small filesystem both the syscall tables (`tests/syscalls/`) and
//! the syscall fuzzer (`tests/fuzz.rs`) run over, in one place.

use wasiland_vfs::{Device, Vfs};

/// Contents of `/f`.
pub const F: &[u8] = b"hello world";

/// Fill `vfs` with:
///
/// ```text
/// /f          "hello world"
/// /d/g        5000 bytes of 7
/// /d/sub/     empty directory
/// /link   ->  f
/// /dev/null, /dev/zero, /dev/urandom
/// ```
pub fn build(vfs: &mut Vfs) {
    vfs.create_dir_all("/d/sub").expect("mkdir");
    vfs.write_file("/f", F).expect("write");
    vfs.write_file("/d/g", vec![7u8; 5000]).expect("write");
    let root = vfs.root();
    vfs.symlink("f", root, "link").expect("symlink");
    vfs.create_dir_all("/dev").expect("mkdir");
    for (name, dev) in [
        ("null", Device::Null),
        ("zero", Device::Zero),
        ("urandom", Device::Random),
    ] {
        vfs.mknod(root, &format!("dev/{name}"), dev).expect("mknod");
    }
}
