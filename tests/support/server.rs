//! A real Rollcall server on loopback ports with its own data folder: booted inside the test
//! process ([`Server::start`], where the binary is not the point), or the `rollcall serve`
//! process itself ([`Server::start_in`]: restarts on a kept folder, SIGKILL, flags and exits).

use crate::smtp_client::{Reply, send_mail};
use rollcall_local::app::App;
use rollcall_local::config::ServeConfig;
use serde_json::Value;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const DOMAIN: &str = "rollcall.test";

/// Status, headers (names lower-cased) and body of an HTTP response.
pub type Response = (u16, Vec<(String, String)>, String);

/// The `rollcall` binary cargo built next to this test executable.
pub fn binary() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let dir = exe.parent().and_then(Path::parent).expect("target folder");
    let bin = dir.join(format!("rollcall{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "{} is missing: build it with `cargo build -p rollcall-local`",
        bin.display()
    );
    bin
}

fn free_port() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
}

#[derive(Debug)]
enum Running {
    /// `target/debug/rollcall serve`, a process of its own.
    Process(Child),
    /// [`App::run`] on a thread of this test process, with a runtime of its own.
    InProcess {
        stop: tokio::sync::oneshot::Sender<()>,
        thread: std::thread::JoinHandle<anyhow::Result<()>>,
    },
}

#[derive(Debug)]
pub struct Server {
    running: Option<Running>,
    pub data_dir: PathBuf,
    pub http: SocketAddr,
    pub smtp: SocketAddr,
    _temp: Option<tempfile::TempDir>,
}

impl Server {
    /// Boots the application in this process with a fresh temporary data folder.
    pub fn start() -> Server {
        Server::start_with(&[])
    }

    /// Starts a server on `data_dir` (kept by the caller, e.g. across a restart).
    ///
    /// Free ports are found by binding port 0 and letting go, so another test running at the
    /// same time can take one before the server does; the server then exits at once saying
    /// the port is in use, and this tries again on other ports.
    pub fn start_in(data_dir: PathBuf) -> Server {
        Server::start_in_with(data_dir, &[])
    }

    /// Boots the application in this process with a fresh temporary data folder and extra
    /// `serve` flags: the sockets are bound on port 0 by the server itself (no race for a free
    /// port) and nothing waits for a process to start. `kill` stops it the way SIGTERM does.
    pub fn start_with(extra: &[&str]) -> Server {
        let temp = tempfile::tempdir().expect("temp dir");
        let data_dir = temp.path().join("data");
        let data = data_dir.to_string_lossy().into_owned();
        let mut args = vec![
            "--domain",
            DOMAIN,
            "--data-dir",
            &data,
            "--http-addr",
            "127.0.0.1:0",
            "--smtp-addr",
            "127.0.0.1:0",
        ];
        args.extend_from_slice(extra);
        let config = ServeConfig::from_args(args).unwrap_or_else(|e| panic!("serve flags: {e}"));
        let (ready_tx, ready) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()?;
            runtime.block_on(async move {
                let app = match App::build(config).await {
                    Ok(app) => app,
                    Err(error) => {
                        let _ = ready_tx.send(Err(format!("{error:#}")));
                        return Ok(());
                    }
                };
                let _ = ready_tx.send(Ok((app.http_addr(), app.smtp_addr())));
                app.run(async {
                    let _ = stopped.await;
                })
                .await
            })
        });
        let (http, smtp) = ready
            .recv()
            .expect("the boot thread answers")
            .unwrap_or_else(|error| panic!("rollcall did not start: {error}"));
        Server {
            running: Some(Running::InProcess { stop, thread }),
            data_dir,
            http,
            smtp,
            _temp: Some(temp),
        }
    }

    /// [`Server::start_in`] with extra `serve` flags.
    pub fn start_in_with(data_dir: PathBuf, extra: &[&str]) -> Server {
        for _ in 0..5 {
            let (http, smtp) = (free_port(), free_port());
            let child = Command::new(binary())
                .args(["serve", "--domain", DOMAIN])
                .arg("--data-dir")
                .arg(&data_dir)
                .args([
                    "--http-addr",
                    &http.to_string(),
                    "--smtp-addr",
                    &smtp.to_string(),
                ])
                .args(extra)
                .env("ROLLCALL_LOG", "warn")
                .stdout(Stdio::null())
                .stderr(Stdio::inherit())
                .spawn()
                .expect("rollcall serve starts");
            let mut server = Server {
                running: Some(Running::Process(child)),
                data_dir: data_dir.clone(),
                http,
                smtp,
                _temp: None,
            };
            if server.wait_until_ready() {
                return server;
            }
            server.kill();
        }
        panic!("rollcall serve did not start on free ports in five tries");
    }

    /// True once both ports answer as ours; false if the server exited (a taken port).
    fn wait_until_ready(&mut self) -> bool {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            let exited = match self.running.as_mut() {
                Some(Running::Process(child)) => {
                    child.try_wait().map(|s| s.is_some()).unwrap_or(true)
                }
                Some(Running::InProcess { thread, .. }) => thread.is_finished(),
                None => true,
            };
            if exited {
                return false;
            }
            if TcpStream::connect(self.smtp).is_ok()
                && self.get("/healthz").map(|r| r.0 == 200).unwrap_or(false)
            {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("rollcall serve did not become ready in 30 s");
    }

    /// Sends a message to `invites@` (or the given recipients) over SMTP.
    pub fn send(&self, from: &str, rcpts: &[&str], raw: &[u8]) -> Result<Reply, Reply> {
        send_mail(self.smtp, from, rcpts, raw).expect("SMTP conversation")
    }

    pub fn send_invite(&self, raw: &[u8]) -> Reply {
        let inbox = format!("invites@{DOMAIN}");
        self.send("organizer@example.com", &[&inbox], raw)
            .expect("accepted")
    }

    /// A GET over a fresh connection: (status, headers lower-cased, body).
    pub fn get(&self, path: &str) -> std::io::Result<Response> {
        self.request("GET", path, &[], &[])
    }

    /// A request with optional form body over a fresh connection.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        form: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> std::io::Result<Response> {
        let body: String = form
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let mut stream = TcpStream::connect(self.http)?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
            self.http
        );
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        if !form.is_empty() || method == "POST" {
            head.push_str(&format!(
                "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
                body.len()
            ));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes())?;
        stream.write_all(body.as_bytes())?;
        read_response(stream)
    }

    /// A fresh API token of `organizer`, made by `rollcall token create` on this data folder.
    pub fn api_token(&self, organizer: &str) -> String {
        let output = Command::new(binary())
            .args(["token", "create", "--organizer", organizer])
            .arg("--data-dir")
            .arg(&self.data_dir)
            .output()
            .expect("token create runs");
        assert!(output.status.success(), "{output:?}");
        let stdout = String::from_utf8_lossy(&output.stdout);
        stdout.lines().next().unwrap_or_default().trim().to_string()
    }

    /// GETs an API path with `token`; panics unless it answers 200 with JSON.
    pub fn api_get(&self, token: &str, path: &str) -> Value {
        let auth = format!("Bearer {token}");
        let (status, _, body) = self
            .request("GET", path, &[], &[("Authorization", &auth)])
            .expect("the API answers");
        assert_eq!(status, 200, "{path}: {body}");
        serde_json::from_str(&body).expect("JSON")
    }

    /// A request with a JSON body and a bearer token: (status, the body read as JSON, or
    /// null when it is not JSON).
    pub fn api_json(&self, method: &str, path: &str, token: &str, body: &Value) -> (u16, Value) {
        let body = body.to_string();
        let mut stream = TcpStream::connect(self.http).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\
             Authorization: Bearer {token}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\n\r\n",
            self.http,
            body.len()
        );
        stream.write_all(head.as_bytes()).expect("head");
        stream.write_all(body.as_bytes()).expect("body");
        let (status, _, text) = read_response(stream).expect("the API answers");
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// POSTs a form: (status, headers, body).
    pub fn post_form(&self, path: &str, form: &[(&str, &str)]) -> std::io::Result<Response> {
        self.request("POST", path, form, &[])
    }

    /// `rollcall inbox --json`, oldest first.
    pub fn inbox(&self) -> Vec<Value> {
        let output = Command::new(binary())
            .args(["inbox", "--json", "--limit", "100000", "--data-dir"])
            .arg(&self.data_dir)
            .output()
            .expect("rollcall inbox runs");
        assert!(
            output.status.success(),
            "rollcall inbox failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let mut rows: Vec<Value> = String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
        rows.reverse();
        rows
    }

    /// Waits until the message with queue id `id` has an outcome, and returns it.
    pub fn outcome_of(&self, id: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Some(row) = self.inbox().into_iter().find(|r| r["id"] == id)
                && let Some(outcome) = row["outcome"].as_str()
            {
                return outcome.to_string();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "message {id} got no outcome in time; inbox: {:?}",
            self.inbox()
        );
    }

    /// GETs `path` until its body contains `needle` (pages are cached for up to a second),
    /// and returns the last body.
    pub fn page_containing(&self, path: &str, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let body = self.get(path).map(|r| r.2).unwrap_or_default();
            if body.contains(needle) || Instant::now() > deadline {
                return body;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits until no message is queued any more, and returns the inbox.
    pub fn wait_until_processed(&self) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let inbox = self.inbox();
            if inbox.iter().all(|r| r["state"] != "queued") || Instant::now() > deadline {
                return inbox;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Sends an invitation and waits for its outcome.
    pub fn deliver(&self, raw: &[u8]) -> String {
        let reply = self.send_invite(raw);
        assert_eq!(reply.code, 250, "{reply:?}");
        self.outcome_of(&queue_id(&reply))
    }

    /// The outbox files (name, raw bytes), waiting until there are at least `count`.
    pub fn outbox(&self, count: usize) -> Vec<(String, Vec<u8>)> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(self.data_dir.join("outbox"))
                .map(|d| {
                    d.flatten()
                        .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
                        .filter_map(|e| {
                            Some((
                                e.file_name().to_string_lossy().into_owned(),
                                std::fs::read(e.path()).ok()?,
                            ))
                        })
                        .collect()
                })
                .unwrap_or_default();
            files.sort();
            if files.len() >= count || Instant::now() > deadline {
                return files;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// A process gets SIGKILL: no shutdown code runs, as in a crash or power loss. A server
    /// booted in-process is stopped the way SIGTERM stops the binary, and must stop cleanly.
    pub fn kill(&mut self) {
        match self.running.take() {
            Some(Running::Process(mut child)) => {
                let _ = child.kill();
                let _ = child.wait();
            }
            Some(Running::InProcess { stop, thread }) => {
                let _ = stop.send(());
                // Bounded: a shutdown that hangs fails the test instead of the whole run.
                let deadline = Instant::now() + Duration::from_secs(30);
                while !thread.is_finished() && Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(10));
                }
                if !thread.is_finished() {
                    if !std::thread::panicking() {
                        panic!("the in-process server did not stop within 30 s");
                    }
                    return;
                }
                let stopped = thread.join();
                if !std::thread::panicking() {
                    match stopped {
                        Ok(result) => result.expect("the in-process server stops cleanly"),
                        Err(_) => panic!("the in-process server's thread panicked"),
                    }
                }
            }
            None => {}
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The id in `250 2.0.0 Ok: queued as <id>`.
pub fn queue_id(reply: &Reply) -> String {
    reply
        .text
        .rsplit(' ')
        .next()
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// The event id at the end of an outcome like `created event abc123`.
pub fn event_id(outcome: &str) -> String {
    outcome
        .split_whitespace()
        .last()
        .unwrap_or_default()
        .to_string()
}

fn read_response(mut stream: TcpStream) -> std::io::Result<Response> {
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let text = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Ok((status, headers, body.to_string()))
}

/// Percent-encoding for form values.
pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            b' ' => "+".to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A header's value from a response.
pub fn header<'a>(response: &'a Response, name: &str) -> Option<&'a str> {
    response
        .1
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}
