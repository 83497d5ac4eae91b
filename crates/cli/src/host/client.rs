//! Talking to the host daemon, starting it when none runs.

use std::io;
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::proto::{recv, send, Reply, Request};
use super::secure_runtime_dir;

pub struct Client {
    stream: UnixStream,
}

impl Client {
    /// Connects to the daemon of this runtime directory, starting one
    /// (`modhost serve`, detached, logging to `serve.log`) if none answers.
    /// A runtime directory that is not safe (see `secure_runtime_dir`) is
    /// an error, and so is a daemon that runs as another user than this
    /// one or root.
    pub fn connect() -> io::Result<Client> {
        let dir = secure_runtime_dir()?;
        let sock = dir.join("host.sock");
        if let Ok(stream) = UnixStream::connect(&sock) {
            return Client::checked(stream, &sock);
        }
        let log = std::fs::OpenOptions::new().create(true).append(true).open(dir.join("serve.log"))?;
        Command::new(std::env::current_exe()?)
            .arg("serve")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(log))
            .process_group(0)
            .spawn()?;
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            match UnixStream::connect(&sock) {
                Ok(stream) => return Client::checked(stream, &sock),
                Err(e) if Instant::now() >= deadline => {
                    return Err(io::Error::new(e.kind(), format!("the host kernel did not start (see {})", dir.join("serve.log").display())))
                }
                Err(_) => std::thread::sleep(Duration::from_millis(20)),
            }
        }
    }

    /// Only a daemon of this user (or root's) is trusted.
    fn checked(stream: UnixStream, sock: &std::path::Path) -> io::Result<Client> {
        let me = rustix::process::geteuid().as_raw();
        let peer = rustix::net::sockopt::socket_peercred(&stream)?.uid;
        if peer.as_raw() != me && !peer.is_root() {
            return Err(io::Error::new(io::ErrorKind::PermissionDenied, format!("socket {} belongs to uid {}, not {me}", sock.display(), peer.as_raw())));
        }
        Ok(Client { stream })
    }

    /// Sends a request and waits for the reply. A `Refused` reply (the
    /// daemon refused the connection or the request, then closed it) is an
    /// error with the daemon's message.
    pub fn call(&mut self, req: &Request, payload: &[u8]) -> io::Result<(Reply, Vec<u8>)> {
        let reply = match send(&mut self.stream, req, payload) {
            Ok(()) => recv(&mut self.stream)?,
            // the daemon may have answered and closed before reading all
            // of the request: its answer says why
            Err(e) if matches!(e.kind(), io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset) => recv(&mut self.stream).map_err(|_| e)?,
            Err(e) => return Err(e),
        };
        match reply {
            (Reply::Refused { errno, message }, _) => Err(io::Error::new(refused_kind(errno), format!("host kernel: {message}"))),
            r => Ok(r),
        }
    }

    /// Reads a view file; Err(errno) from the kernel.
    pub fn read(&mut self, path: &str) -> io::Result<Result<Vec<u8>, i32>> {
        Ok(match self.call(&Request::Read { path: path.into() }, &[])? {
            (Reply::Ok, data) => Ok(data),
            (Reply::Err { errno }, _) => Err(errno),
            _ => Err(5),
        })
    }

    pub fn list(&mut self, path: &str) -> io::Result<Result<Vec<String>, i32>> {
        Ok(match self.call(&Request::List { path: path.into() }, &[])?.0 {
            Reply::Names { names } => Ok(names),
            Reply::Err { errno } => Err(errno),
            _ => Err(5),
        })
    }
}

fn refused_kind(errno: i32) -> io::ErrorKind {
    match errno {
        13 => io::ErrorKind::PermissionDenied,
        11 => io::ErrorKind::WouldBlock,
        110 => io::ErrorKind::TimedOut,
        _ => io::ErrorKind::InvalidData,
    }
}
