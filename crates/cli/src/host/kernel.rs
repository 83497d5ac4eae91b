//! The kernels the module tools act on, behind `kmod::modprobe::Kernel`:
//! this machine's Linux kernel or modhost's host kernel (its daemon).

use kmod::modprobe::{kernel, Kernel};
use std::path::Path;

use crate::host::client::Client;
use crate::host::proto::{Reply, Request, EFBIG, MAX_IMAGE};
use crate::{Target, Tool};

/// The kernel chosen for a tool invocation.
pub enum Backend {
    Linux(kernel::Linux),
    Host(HostKernel),
}

impl Backend {
    pub fn new(tool: &Tool) -> Self {
        match tool.target {
            Target::Linux => Backend::Linux(kernel::Linux),
            Target::Host => Backend::Host(HostKernel { client: None, failed: false, prog: tool.name.clone() }),
        }
    }

    pub fn kernel(&mut self) -> &mut dyn Kernel {
        match self {
            Backend::Linux(k) => k,
            Backend::Host(k) => k,
        }
    }
}

/// The module directory of the chosen kernel (what `kmod_new(NULL)` uses):
/// `/lib/modules/$(uname -r)` for Linux, the host's module directory and
/// release for the host kernel.
pub fn module_dir(target: Target) -> String {
    match target {
        Target::Linux => format!("/lib/modules/{}", crate::modprobe::uname_release()),
        Target::Host => format!("{}/lib/modules/{}", crate::host::server::module_root().display(), crate::modprobe::host_release()),
    }
}

/// The host kernel, reached through its daemon on first use.
pub struct HostKernel {
    client: Option<Client>,
    failed: bool,
    prog: String,
}

impl HostKernel {
    fn client(&mut self) -> Option<&mut Client> {
        if self.client.is_none() && !self.failed {
            match Client::connect() {
                Ok(c) => self.client = Some(c),
                Err(e) => {
                    self.failed = true;
                    eprintln!("{}: ERROR: host kernel: {e}", self.prog);
                }
            }
        }
        self.client.as_mut()
    }

    fn call(&mut self, req: &Request, payload: &[u8]) -> Result<(), i32> {
        let c = self.client().ok_or(libc_eio())?;
        let r = c.call(req, payload);
        match r {
            Ok((Reply::Ok, _)) => Ok(()),
            Ok((Reply::Err { errno }, _)) => Err(errno),
            Ok(_) => Err(libc_eio()),
            Err(e) => Err(self.lost(e)),
        }
    }

    /// The connection failed (the daemon refused it, or is gone): say why
    /// once, and answer EIO from now on.
    fn lost(&mut self, e: std::io::Error) -> i32 {
        if !self.failed {
            eprintln!("{}: ERROR: {e}", self.prog);
        }
        self.failed = true;
        self.client = None;
        libc_eio()
    }
}

fn libc_eio() -> i32 {
    5
}

impl Kernel for HostKernel {
    fn read(&mut self, path: &str) -> Result<Vec<u8>, i32> {
        let c = self.client().ok_or(libc_eio())?;
        let r = c.read(path);
        r.unwrap_or_else(|e| Err(self.lost(e)))
    }

    fn is_dir(&mut self, path: &str) -> bool {
        self.list(path).is_ok()
    }

    fn list(&mut self, path: &str) -> Result<Vec<String>, i32> {
        let c = self.client().ok_or(libc_eio())?;
        let r = c.list(path);
        r.unwrap_or_else(|e| Err(self.lost(e)))
    }

    fn finit_module(&mut self, _path: &Path, image: &[u8], args: &str, flags: u32) -> Result<(), i32> {
        if image.len() > MAX_IMAGE as usize {
            return Err(EFBIG);
        }
        self.call(&Request::Insmod { args: args.to_string(), flags }, image)
    }

    fn init_module(&mut self, image: &[u8], args: &str) -> Result<(), i32> {
        if image.len() > MAX_IMAGE as usize {
            return Err(EFBIG);
        }
        self.call(&Request::Insmod { args: args.to_string(), flags: 0 }, image)
    }

    fn delete_module(&mut self, name: &str, flags: u32) -> Result<(), i32> {
        self.call(&Request::Rmmod { name: name.to_string(), flags }, &[])
    }
}

