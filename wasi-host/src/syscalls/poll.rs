//! `poll_oneoff`: clock subscriptions (relative and absolute) and fd
//! readiness. Blocks until at least one subscription is ready, sleeping
//! for real and waking early if the process is interrupted.

use super::io::check_interrupt;
use super::{SysError, SysResult};
use crate::abi::{self, Event, Subscription, EVENT_FD_READWRITE_HANGUP, SUBCLOCK_ABSTIME};
use crate::ctx::{Termination, WasiCtx};
use crate::errno::Errno;
use crate::fd::Target;
use crate::guest::GuestMemory;
use crate::stream::Readiness;
use std::mem::size_of;
use std::time::Duration;

/// A clock subscription's deadline on the monotonic clock (`None` for fd
/// subscriptions; `Err` for an unknown clock).
type Deadline = Option<Result<u64, Errno>>;

/// Subscriptions handled between two interrupt checks.
const SUBS_PER_CHECK: u32 = 1 << 16;

/// How often pending fd subscriptions are re-checked while waiting.
const FD_POLL_INTERVAL: Duration = Duration::from_millis(1);

/// The event for an fd subscription if it is ready now.
fn fd_event(ctx: &WasiCtx, userdata: u64, fd: u32, read: bool) -> Option<Event> {
    let event_type = if read {
        abi::eventtype::FD_READ
    } else {
        abi::eventtype::FD_WRITE
    };
    let ev = |error, nbytes, flags| {
        Some(Event {
            userdata,
            error,
            event_type,
            nbytes,
            flags,
        })
    };
    let d = match ctx.fds.get(fd) {
        Ok(d) => d,
        Err(e) => return ev(e, 0, 0),
    };
    if d.require(abi::rights::POLL_FD_READWRITE).is_err() {
        return ev(Errno::NotCapable, 0, 0);
    }
    let readiness = match (&d.target, read) {
        (Target::File(f), true) => {
            // Regular files are always ready; report the bytes left to read.
            let pos = f.cursor().position;
            let size = f.vfs().lock().stat(f.ino()).map(|m| m.size).unwrap_or(0);
            Readiness::Ready(size.saturating_sub(pos))
        }
        (Target::File(_), false) => Readiness::Ready(0),
        (Target::Input(s), true) => s.poll_read(),
        (Target::Output(s), false) => s.poll_write(),
        (Target::Dir { .. }, _) | (Target::Input(_), false) | (Target::Output(_), true) => {
            return ev(Errno::Badf, 0, 0)
        }
    };
    match readiness {
        Readiness::Ready(n) => ev(Errno::Success, n, 0),
        Readiness::Hangup => ev(Errno::Success, 0, EVENT_FD_READWRITE_HANGUP),
        Readiness::Pending => None,
    }
}

pub fn poll_oneoff(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    in_ptr: u32,
    out_ptr: u32,
    nsubs: u32,
    nevents_ptr: u32,
) -> SysResult {
    if nsubs == 0 {
        return Err(Errno::Inval.into());
    }
    // Everything the call reads or writes must be in memory (`fault` with
    // nothing written) before the host spends anything on it.
    mem.slice(
        in_ptr,
        nsubs
            .checked_mul(abi::SUBSCRIPTION_SIZE)
            .ok_or(Errno::Fault)?,
    )?;
    mem.slice(
        out_ptr,
        nsubs.checked_mul(abi::EVENT_SIZE).ok_or(Errno::Fault)?,
    )?;
    mem.slice(nevents_ptr, 4)?;
    // The decoded subscriptions and the events are host memory sized by
    // the guest: charged to the process's budget first (`nomem` if it has
    // no room).
    let per_sub = size_of::<(Subscription, Deadline)>() + size_of::<Event>();
    let _charge = ctx
        .budget
        .try_charge(u64::from(nsubs).saturating_mul(per_sub as u64))
        .map_err(|_| Errno::NoMem)?;
    let mut subs: Vec<(Subscription, Deadline)> = Vec::new();
    let mut events: Vec<Event> = Vec::new();
    subs.try_reserve_exact(nsubs as usize)
        .and_then(|()| events.try_reserve_exact(nsubs as usize))
        .map_err(|_| Errno::NoMem)?;
    // Clock subscriptions become deadlines on the monotonic clock.
    let start = ctx.clock.monotonic();
    for i in 0..nsubs {
        if i > 0 && i % SUBS_PER_CHECK == 0 {
            check_interrupt(ctx)?;
        }
        let at = i
            .checked_mul(abi::SUBSCRIPTION_SIZE)
            .and_then(|o| in_ptr.checked_add(o))
            .ok_or(Errno::Fault)?;
        let s = Subscription::read(mem, at)?;
        let deadline = match s {
            Subscription::Clock {
                id, timeout, flags, ..
            } => Some(super::clock::now(ctx, id).map(|now| {
                let wait = if flags & SUBCLOCK_ABSTIME != 0 {
                    timeout.saturating_sub(now)
                } else {
                    timeout
                };
                start.saturating_add(wait)
            })),
            _ => None,
        };
        subs.push((s, deadline));
    }

    loop {
        let now = ctx.clock.monotonic();
        events.clear();
        let mut next_deadline: Option<u64> = None;
        let mut fds_pending = false;
        for (i, (s, deadline)) in subs.iter().enumerate() {
            if i > 0 && i % SUBS_PER_CHECK as usize == 0 {
                check_interrupt(ctx)?;
            }
            match (*s, deadline) {
                (Subscription::Clock { userdata, .. }, Some(d)) => match d {
                    Err(e) => events.push(Event {
                        userdata,
                        error: *e,
                        event_type: abi::eventtype::CLOCK,
                        nbytes: 0,
                        flags: 0,
                    }),
                    Ok(d) if *d <= now => events.push(Event {
                        userdata,
                        error: Errno::Success,
                        event_type: abi::eventtype::CLOCK,
                        nbytes: 0,
                        flags: 0,
                    }),
                    Ok(d) => next_deadline = Some(next_deadline.map_or(*d, |n| n.min(*d))),
                },
                (Subscription::FdRead { userdata, fd }, _) => {
                    match fd_event(ctx, userdata, fd, true) {
                        Some(e) => events.push(e),
                        None => fds_pending = true,
                    }
                }
                (Subscription::FdWrite { userdata, fd }, _) => {
                    match fd_event(ctx, userdata, fd, false) {
                        Some(e) => events.push(e),
                        None => fds_pending = true,
                    }
                }
                (Subscription::Clock { .. }, None) => {}
            }
        }
        if !events.is_empty() {
            for (i, e) in events.iter().enumerate() {
                let at = (i as u32)
                    .checked_mul(abi::EVENT_SIZE)
                    .and_then(|o| out_ptr.checked_add(o))
                    .ok_or(Errno::Fault)?;
                e.write(mem, at)?;
            }
            mem.write_u32(nevents_ptr, events.len() as u32)?;
            return Ok(());
        }
        let mut wait = match next_deadline {
            Some(d) => Duration::from_nanos(d.saturating_sub(now)),
            None => Duration::from_secs(3600),
        };
        if fds_pending {
            wait = wait.min(FD_POLL_INTERVAL);
        }
        ctx.interrupt
            .sleep(wait)
            .map_err(|r| SysError::Terminate(Termination::Interrupted(r)))?;
    }
}
