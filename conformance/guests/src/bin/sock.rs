//! sock_accept, sock_recv, sock_send, sock_shutdown on a host without
//! sockets: every call is refused for files, directories, stdio and bad fds,
//! and the descriptors stay usable.

use conf::*;

fn accept(fd: u32) -> String {
    show(&unsafe { wasi::sock_accept(fd, 0) }, |fd| {
        format!("fd={fd}")
    })
}

fn recv(fd: u32) -> String {
    let mut b = [0u8; 8];
    let iov = wasi::Iovec {
        buf: b.as_mut_ptr(),
        buf_len: 8,
    };
    show(&unsafe { wasi::sock_recv(fd, &[iov], 0) }, |(n, _)| {
        format!("nread={n}")
    })
}

fn send(fd: u32) -> String {
    let b = b"x";
    let iov = wasi::Ciovec {
        buf: b.as_ptr(),
        buf_len: 1,
    };
    show(&unsafe { wasi::sock_send(fd, &[iov], 0) }, |n| {
        format!("nwritten={n}")
    })
}

fn shutdown(fd: u32) -> String {
    res(&unsafe { wasi::sock_shutdown(fd, wasi::SDFLAGS_RD | wasi::SDFLAGS_WR) })
}

fn main() {
    match open_rw(SANDBOX, "hello.txt", 0) {
        Ok(f) => {
            check("accept_file", accept(f));
            check("recv_file", recv(f));
            check("send_file", send(f));
            check("shutdown_file", shutdown(f));
            check("file_still_readable", show(&read_to_end(f), |d| q(d)));
            close(f);
        }
        Err(e) => check("accept_file", en(e)),
    }
    check("accept_dir", accept(SANDBOX));
    check("recv_dir", recv(SANDBOX));
    check("send_dir", send(SANDBOX));
    check("shutdown_dir", shutdown(SANDBOX));
    check("accept_stdin", accept(0));
    check("recv_stdin", recv(0));
    check("send_stdout", send(1));
    check("shutdown_stdout", shutdown(1));
    check("accept_bad_fd", accept(1000));
    check("recv_bad_fd", recv(1000));
    check("send_bad_fd", send(1000));
    check("shutdown_bad_fd", shutdown(1000));
    check("sandbox_still_usable", content(SANDBOX, "hello.txt"));
}
