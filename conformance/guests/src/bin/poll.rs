//! poll_oneoff: no subscriptions, relative and absolute clocks (sleeping
//! at least the timeout), deadlines in the past, several clocks, fd
//! readiness on regular files, fds mixed with clocks, bad fds, Rust std's
//! thread::sleep.

use conf::*;

#[derive(Clone, Copy)]
enum Sub {
    Clock {
        ud: u64,
        id: u32,
        timeout: u64,
        abs: bool,
    },
    Read {
        ud: u64,
        fd: u32,
    },
    Write {
        ud: u64,
        fd: u32,
    },
}

#[derive(Debug)]
struct Ev {
    ud: u64,
    error: u16,
    ty: u8,
}

/// Build the 48-byte subscription records by hand (exact layout) and
/// parse the 32-byte events the same way.
fn poll(subs: &[Sub]) -> Result<Vec<Ev>, wasi::Errno> {
    let mut inb = vec![0u64; subs.len() * 6];
    for (i, s) in subs.iter().enumerate() {
        let r = &mut inb[i * 6..i * 6 + 6];
        match *s {
            Sub::Clock {
                ud,
                id,
                timeout,
                abs,
            } => {
                r[0] = ud;
                r[1] = 0; // tag clock
                r[2] = id as u64;
                r[3] = timeout;
                r[4] = 1_000; // precision
                r[5] = abs as u64;
            }
            Sub::Read { ud, fd } => {
                r[0] = ud;
                r[1] = 1;
                r[2] = fd as u64;
            }
            Sub::Write { ud, fd } => {
                r[0] = ud;
                r[1] = 2;
                r[2] = fd as u64;
            }
        }
    }
    let mut out = vec![0u64; subs.len().max(1) * 4];
    let mut n = 0u32;
    let ret = unsafe {
        wasi::wasi_snapshot_preview1::poll_oneoff(
            inb.as_ptr() as i32,
            out.as_mut_ptr() as i32,
            subs.len() as i32,
            &mut n as *mut u32 as i32,
        )
    };
    if ret != 0 {
        return Err(unsafe { core::mem::transmute::<u16, wasi::Errno>(ret as u16) });
    }
    let n = (n as usize).min(subs.len());
    Ok((0..n)
        .map(|i| {
            let r = &out[i * 4..i * 4 + 4];
            Ev {
                ud: r[0],
                error: (r[1] & 0xffff) as u16,
                ty: ((r[1] >> 16) & 0xff) as u8,
            }
        })
        .collect())
}

fn ev_str(evs: &[Ev]) -> String {
    let mut v: Vec<String> = evs
        .iter()
        .map(|e| {
            let ty = match e.ty {
                0 => "clock".to_string(),
                1 => "fd_read".to_string(),
                2 => "fd_write".to_string(),
                t => format!("type{t}"),
            };
            if e.error == 0 {
                format!("{}:{ty}", e.ud)
            } else {
                format!("{}:{ty}:errno={}", e.ud, errno_name(e.error))
            }
        })
        .collect();
    v.sort();
    format!("n={} {}", evs.len(), v.join(","))
}

fn timed(subs: &[Sub]) -> (Result<Vec<Ev>, wasi::Errno>, u64) {
    let t0 = now_mono().unwrap_or(0);
    let r = poll(subs);
    let t1 = now_mono().unwrap_or(0);
    (r, t1.saturating_sub(t0))
}

const MS: u64 = 1_000_000;

fn main() {
    check("no_subscriptions", res(&poll(&[])));

    // Relative monotonic clock: at least the timeout, not much more.
    let (r, el) = timed(&[Sub::Clock {
        ud: 0x1122_3344_5566_7788,
        id: 1,
        timeout: 50 * MS,
        abs: false,
    }]);
    check("relative_clock", show(&r, |e| ev_str(e)));
    check(
        "relative_clock_slept",
        if el >= 50 * MS {
            "at-least-50ms".into()
        } else {
            format!("{}ms", el / MS)
        },
    );
    check("relative_clock_bounded", yes_no(el < 5_000 * MS));

    // Relative realtime clock.
    let (r, el) = timed(&[Sub::Clock {
        ud: 7,
        id: 0,
        timeout: 30 * MS,
        abs: false,
    }]);
    check("relative_realtime_clock", show(&r, |e| ev_str(e)));
    check(
        "relative_realtime_slept",
        if el >= 30 * MS {
            "at-least-30ms".into()
        } else {
            format!("{}ms", el / MS)
        },
    );

    // Absolute monotonic deadline 60 ms ahead.
    match now_mono() {
        Ok(now) => {
            let deadline = now + 60 * MS;
            let r = poll(&[Sub::Clock {
                ud: 8,
                id: 1,
                timeout: deadline,
                abs: true,
            }]);
            let after = now_mono().unwrap_or(0);
            check("absolute_clock", show(&r, |e| ev_str(e)));
            check("absolute_clock_reached_deadline", yes_no(after >= deadline));
            check(
                "absolute_clock_bounded",
                yes_no(after < deadline + 5_000 * MS),
            );
        }
        Err(e) => check("absolute_clock", en(e)),
    }
    // Absolute realtime deadline 40 ms ahead.
    match now_real() {
        Ok(now) => {
            let deadline = now + 40 * MS;
            let r = poll(&[Sub::Clock {
                ud: 9,
                id: 0,
                timeout: deadline,
                abs: true,
            }]);
            let after = now_real().unwrap_or(0);
            check("absolute_realtime_clock", show(&r, |e| ev_str(e)));
            check(
                "absolute_realtime_reached_deadline",
                yes_no(after >= deadline),
            );
        }
        Err(e) => check("absolute_realtime_clock", en(e)),
    }

    // Deadlines in the past and zero timeouts return at once.
    let (r, el) = timed(&[Sub::Clock {
        ud: 10,
        id: 1,
        timeout: 1,
        abs: true,
    }]);
    check("absolute_clock_in_past", show(&r, |e| ev_str(e)));
    check("absolute_clock_in_past_immediate", yes_no(el < 1_000 * MS));
    let (r, el) = timed(&[Sub::Clock {
        ud: 11,
        id: 1,
        timeout: 0,
        abs: false,
    }]);
    check("zero_timeout", show(&r, |e| ev_str(e)));
    check("zero_timeout_immediate", yes_no(el < 1_000 * MS));

    // Two clocks: only the earlier fires.
    let (r, el) = timed(&[
        Sub::Clock {
            ud: 21,
            id: 1,
            timeout: 10_000 * MS,
            abs: false,
        },
        Sub::Clock {
            ud: 22,
            id: 1,
            timeout: 20 * MS,
            abs: false,
        },
    ]);
    check("two_clocks_earlier_fires", show(&r, |e| ev_str(e)));
    check("two_clocks_bounded", yes_no(el < 5_000 * MS));

    // Regular files are always ready for reading and writing.
    match open_rw(SANDBOX, "hello.txt", 0) {
        Ok(fd) => {
            let (r, el) = timed(&[Sub::Read { ud: 31, fd }]);
            check("file_read_ready", show(&r, |e| ev_str(e)));
            check("file_read_ready_immediate", yes_no(el < 1_000 * MS));
            let (r, _) = timed(&[Sub::Write { ud: 32, fd }]);
            check("file_write_ready", show(&r, |e| ev_str(e)));
            let (r, el) = timed(&[
                Sub::Clock {
                    ud: 33,
                    id: 1,
                    timeout: 10_000 * MS,
                    abs: false,
                },
                Sub::Read { ud: 34, fd },
            ]);
            check("file_and_clock", show(&r, |e| ev_str(e)));
            check("file_and_clock_immediate", yes_no(el < 5_000 * MS));
            let (r, _) = timed(&[Sub::Read { ud: 35, fd }, Sub::Write { ud: 36, fd }]);
            // Both are ready; a host may report one or both.
            check(
                "file_read_and_write",
                show(&r, |e| {
                    let valid = !e.is_empty()
                        && e.iter().all(|x| {
                            x.error == 0 && ((x.ud == 35 && x.ty == 1) || (x.ud == 36 && x.ty == 2))
                        });
                    if valid {
                        "ready".into()
                    } else {
                        ev_str(e)
                    }
                }),
            );
            close(fd);
        }
        Err(e) => check("file_read_ready", en(e)),
    }

    // A pipe with room is ready for writing (stdout is the driver's pipe).
    let (r, el) = timed(&[
        Sub::Write { ud: 51, fd: 1 },
        Sub::Clock {
            ud: 52,
            id: 1,
            timeout: 5_000 * MS,
            abs: false,
        },
    ]);
    check("stdout_pipe_write_ready", show(&r, |e| ev_str(e)));
    check("stdout_pipe_write_ready_immediate", yes_no(el < 4_000 * MS));

    // Errors.
    let (r, _) = timed(&[Sub::Read { ud: 41, fd: 1000 }]);
    check("bad_fd_read", show(&r, |e| ev_str(e)));

    // Rust std's sleep is a single relative clock subscription.
    let t0 = std::time::Instant::now();
    std::thread::sleep(std::time::Duration::from_millis(30));
    let el = t0.elapsed();
    check(
        "std_sleep",
        if el >= std::time::Duration::from_millis(30) {
            "at-least-30ms".into()
        } else {
            format!("{}ms", el.as_millis())
        },
    );
}
