//! Talking to the host daemon, starting it when none runs.

use std::io;
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::proto::{recv, send, Reply, Request};
use super::{runtime_dir, socket_path};

pub struct Client {
    stream: UnixStream,
}

impl Client {
    /// Connects to the daemon of this runtime directory, starting one
    /// (`modhost serve`, detached, logging to `serve.log`) if none answers.
    pub fn connect() -> io::Result<Client> {
        if let Ok(stream) = UnixStream::connect(socket_path()) {
            return Ok(Client { stream });
        }
        let dir = runtime_dir();
        std::fs::create_dir_all(&dir)?;
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
            match UnixStream::connect(socket_path()) {
                Ok(stream) => return Ok(Client { stream }),
                Err(e) if Instant::now() >= deadline => {
                    return Err(io::Error::new(e.kind(), format!("the host kernel did not start (see {})", dir.join("serve.log").display())))
                }
                Err(_) => std::thread::sleep(Duration::from_millis(20)),
            }
        }
    }

    /// Sends a request and waits for the reply.
    pub fn call(&mut self, req: &Request, payload: &[u8]) -> io::Result<(Reply, Vec<u8>)> {
        send(&mut self.stream, req, payload)?;
        recv(&mut self.stream)
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
