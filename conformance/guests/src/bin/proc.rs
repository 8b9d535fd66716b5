//! proc_exit, proc_raise, sched_yield, and how a process ends: the first
//! argument selects a case, and the driver checks the exit status.
//!
//!   (none)          sched_yield checks, then return from main
//!   exit N          print, proc_exit(N), print (must not appear)
//!   std_exit N      std::process::exit(N)
//!   return          return from main normally
//!   trap            wasm `unreachable`
//!   panic           a Rust panic (abort)
//!   bulk_exit N     64 KiB on stdout in many writes, then proc_exit(N)
//!   raise           proc_raise(SIGNAL_NONE)... then return

use conf::*;

fn main() {
    let args = args();
    let case = args.get(1).map(String::as_str).unwrap_or("");
    let code: u32 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(0);
    match case {
        "" => {
            check("sched_yield", res(&unsafe { wasi::sched_yield() }));
            let mut all = Ok(());
            for _ in 0..1000 {
                if let Err(e) = unsafe { wasi::sched_yield() } {
                    all = Err(e);
                    break;
                }
            }
            check("sched_yield_1000", res(&all));
        }
        "exit" => {
            check("before", "ok");
            unsafe { wasi::proc_exit(code) };
            check("after_proc_exit", "reached");
        }
        "std_exit" => {
            check("before", "ok");
            std::process::exit(code as i32);
        }
        "return" => {
            check("before", "ok");
        }
        "trap" => {
            check("before", "ok");
            #[cfg(target_arch = "wasm32")]
            core::arch::wasm32::unreachable();
            #[allow(unreachable_code)]
            {
                check("after_trap", "reached");
            }
        }
        "panic" => {
            check("before", "ok");
            let v: Vec<u8> = Vec::new();
            let i = std::hint::black_box(3usize);
            let x = v[i];
            check("after_panic", x);
        }
        "bulk_exit" => {
            let mut line = Vec::with_capacity(70_000);
            line.extend_from_slice(b"bulk ");
            line.extend(std::iter::repeat_n(b'x', 65536));
            line.push(b'\n');
            // Many small writes, then exit without any flush by the guest.
            let mut ok = true;
            for chunk in line.chunks(100) {
                if write_all(1, chunk).is_err() {
                    ok = false;
                }
            }
            if !ok {
                eprintln!("bulk write failed");
            }
            unsafe { wasi::proc_exit(code) };
        }
        "raise" => {
            check("before", "ok");
            let r = unsafe { wasi::proc_raise(wasi::SIGNAL_NONE) };
            check("proc_raise_none", res(&r));
        }
        other => {
            check("unknown_case", q(other.as_bytes()));
        }
    }
}
