//! Real servers on loopback for the tests of shared state and bucket publishing: a PostgreSQL
//! server from Debian's packages and a Garage S3 server, each in a temporary folder, each
//! stopped when the test process ends (they get SIGKILL when their parent dies).
//!
//! A test that starts one is marked `#[cfg_attr(feedwright_lacks = "…", ignore = "…")]`: where
//! the build script found the server's program missing, the test shows as ignored with the
//! reason. Where a test runs and the program is missing all the same (under CI, where nothing
//! is ignored), starting the server fails the test: `.ci/run` installs both.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Makes a child process get SIGKILL when the test process ends, however it ends.
fn dies_with_parent(command: &mut Command) -> &mut Command {
    // SAFETY: prctl is async-signal-safe and touches only the calling (child) process.
    unsafe {
        command.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        })
    }
}

/// A free TCP port on loopback.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on loopback")
}

/// The failure of a test whose server program is missing.
fn missing(what: &str) -> ! {
    panic!("{what} is not installed; .ci/run installs it")
}

fn wait_until(what: &str, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{what} did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A PostgreSQL server on 127.0.0.1 with a password-protected role `feedwright`.
pub struct Postgres {
    _dir: tempfile::TempDir,
    server: Child,
    /// How the server was started, to start it again.
    command: Command,
    pub port: u16,
}

pub const PG_PASSWORD: &str = "fw-secret";

impl Postgres {
    pub fn start() -> Postgres {
        let Some(bin) = postgres_bin() else {
            missing("PostgreSQL (initdb, postgres)");
        };
        let dir = tempfile::tempdir().expect("a temporary folder");
        let data = dir.path().join("data");
        let pwfile = dir.path().join("pw");
        std::fs::write(&pwfile, PG_PASSWORD).expect("the password file");
        // initdb refuses to run as root: the server runs as the `postgres` user then.
        let owner = run_as();
        if let Some((uid, gid)) = owner {
            for path in [dir.path(), &pwfile] {
                std::os::unix::fs::chown(path, Some(uid), Some(gid)).expect("chown");
            }
        }
        let as_owner = |command: &mut Command| {
            if let Some((uid, gid)) = owner {
                command.uid(uid).gid(gid);
            }
        };
        let mut initdb = Command::new(bin.join("initdb"));
        initdb
            .args([
                "-U",
                "feedwright",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
            ])
            .arg(format!("--pwfile={}", pwfile.display()))
            .args(["-E", "UTF8", "--locale=C.UTF-8", "-D"])
            .arg(&data)
            .stdout(Stdio::null());
        as_owner(&mut initdb);
        let status = initdb.status().expect("initdb runs");
        assert!(status.success(), "initdb failed");
        let port = free_port();
        let mut server = Command::new(bin.join("postgres"));
        server
            .arg("-D")
            .arg(&data)
            .args(["-p", &port.to_string(), "-k"])
            .arg(dir.path())
            .args(["-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"])
            .args(["-c", "max_connections=200", "-c", "full_page_writes=off"])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        as_owner(&mut server);
        dies_with_parent(&mut server);
        let mut postgres = Postgres {
            _dir: dir,
            server: server.spawn().expect("postgres starts"),
            command: server,
            port,
        };
        postgres.wait_ready();
        postgres
    }

    fn wait_ready(&mut self) {
        let url = self.url("postgres");
        wait_until("PostgreSQL", || {
            let url = url.clone();
            std::thread::spawn(move || connect(&url).is_ok())
                .join()
                .unwrap_or(false)
        });
    }

    /// Stops the server at once, as a crash or a lost network would: every connection is
    /// dropped (an immediate shutdown).
    pub fn go_away(&mut self) {
        // SAFETY: kill has no preconditions; the pid is the server's, a child not yet waited for.
        unsafe { libc::kill(self.server.id() as i32, libc::SIGQUIT) };
        self.server.wait().expect("the server stops");
    }

    /// Starts the server again on the same data and port.
    pub fn come_back(&mut self) {
        self.server = self.command.spawn().expect("postgres starts again");
        self.wait_ready();
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.server.id()
    }

    /// The URL of database `db` as the `feedwright` role.
    pub fn url(&self, db: &str) -> String {
        format!(
            "postgres://feedwright:{PG_PASSWORD}@127.0.0.1:{}/{db}",
            self.port
        )
    }

    /// A new, empty database; returns its URL.
    pub fn database(&self, name: &str) -> String {
        self.database_with(name, "")
    }

    /// A new, empty database created with `options` (`LOCALE_PROVIDER icu …`); returns its URL.
    pub fn database_with(&self, name: &str, options: &str) -> String {
        Postgres::execute(
            &self.url("postgres"),
            &format!("CREATE DATABASE {name} {options}"),
        );
        self.url(name)
    }

    /// A role that logs in with `PG_PASSWORD` and has no other attribute: no superuser, no
    /// statistics privileges.
    pub fn role(&self, name: &str) {
        Postgres::execute(
            &self.url("postgres"),
            &format!("CREATE ROLE {name} LOGIN PASSWORD '{PG_PASSWORD}'"),
        );
    }

    /// The URL of database `db` as role `role`.
    pub fn url_as(&self, role: &str, db: &str) -> String {
        format!(
            "postgres://{role}:{PG_PASSWORD}@127.0.0.1:{}/{db}",
            self.port
        )
    }

    /// Runs the statements `sql` on the database at `url`.
    pub fn execute(url: &str, sql: &str) {
        let (url, sql) = (url.to_owned(), sql.to_owned());
        std::thread::spawn(move || {
            connect(&url)
                .and_then(|mut client| client.batch_execute(&sql))
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
        })
        .join()
        .expect("the statement's thread");
    }

    /// Runs `sql` on the database at `url` and returns the first column of every row as text.
    pub fn query(url: &str, sql: &str) -> Vec<String> {
        let (url, sql) = (url.to_owned(), sql.to_owned());
        std::thread::spawn(move || {
            let mut client = connect(&url).expect("a connection");
            client
                .simple_query(&sql)
                .expect("the query")
                .into_iter()
                .filter_map(|message| match message {
                    postgres::SimpleQueryMessage::Row(row) => {
                        Some(row.get(0).unwrap_or_default().to_owned())
                    }
                    _ => None,
                })
                .collect()
        })
        .join()
        .expect("the query thread")
    }
}

/// A client connection made off any async runtime (the client runs its own).
fn connect(url: &str) -> Result<postgres::Client, postgres::Error> {
    postgres::Client::connect(url, postgres::NoTls)
}

/// The folder of PostgreSQL's server programs: `FEEDWRIGHT_PG_BIN`, else Debian's newest.
fn postgres_bin() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("FEEDWRIGHT_PG_BIN") {
        return Some(PathBuf::from(dir));
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path().join("bin"))
        .filter(|bin| bin.join("initdb").exists())
        .collect();
    versions.sort_by_key(|bin| {
        bin.parent()
            .and_then(|v| v.file_name()?.to_str()?.parse::<u32>().ok())
    });
    versions.pop()
}

/// The `postgres` user's ids when this process is root (initdb will not run as root).
fn run_as() -> Option<(u32, u32)> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return None;
    }
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        (fields.first() == Some(&"postgres"))
            .then(|| Some((fields.get(2)?.parse().ok()?, fields.get(3)?.parse().ok()?)))
            .flatten()
    })
}

/// A Garage S3 server on 127.0.0.1 with one key allowed on the buckets it creates.
pub struct Garage {
    dir: tempfile::TempDir,
    server: Child,
    bin: PathBuf,
    pub endpoint: String,
}

pub const S3_KEY_ID: &str = "GK31c2f218a2e44f485b94239e";
pub const S3_SECRET: &str = "b892c0665f0ada8a4755dae98baa3b133590e11dae3bcc1f9d769d67f16c3835";
pub const S3_REGION: &str = "garage";

impl Garage {
    pub fn start() -> Garage {
        let Some(bin) = garage_bin() else {
            missing("Garage (cargo install garage)");
        };
        let dir = tempfile::tempdir().expect("a temporary folder");
        let (s3, rpc) = (free_port(), free_port());
        let config = format!(
            "metadata_dir = \"{root}/meta\"\n\
             data_dir = \"{root}/data\"\n\
             db_engine = \"sqlite\"\n\
             replication_factor = 1\n\
             rpc_bind_addr = \"127.0.0.1:{rpc}\"\n\
             rpc_public_addr = \"127.0.0.1:{rpc}\"\n\
             rpc_secret = \"{secret}\"\n\
             [s3_api]\n\
             s3_region = \"{S3_REGION}\"\n\
             api_bind_addr = \"127.0.0.1:{s3}\"\n\
             root_domain = \".s3.garage.localhost\"\n",
            root = dir.path().display(),
            secret = "5c1915fa04d0b6739675c61bf5907eb0fe3d9c69850c83820f51b4d25d13868c",
        );
        std::fs::write(dir.path().join("garage.toml"), config).expect("garage.toml");
        let mut server = Command::new(&bin);
        server
            .arg("-c")
            .arg(dir.path().join("garage.toml"))
            .arg("server")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let server = dies_with_parent(&mut server)
            .spawn()
            .expect("garage starts");
        let garage = Garage {
            dir,
            server,
            bin,
            endpoint: format!("http://127.0.0.1:{s3}"),
        };
        wait_until("Garage", || garage.cli(&["status"]).is_some());
        let node = garage.cli(&["node", "id", "-q"]).expect("the node id");
        let node = node.trim().split('@').next().unwrap_or_default().to_owned();
        garage
            .cli(&["layout", "assign", "-z", "dc1", "-c", "1G", &node])
            .expect("a layout");
        garage
            .cli(&["layout", "apply", "--version", "1"])
            .expect("the layout applied");
        garage
            .cli(&[
                "key", "import", "--yes", "-n", "tests", S3_KEY_ID, S3_SECRET,
            ])
            .expect("the key");
        garage
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.server.id()
    }

    /// A new bucket the key may read and write.
    pub fn bucket(&self, name: &str) {
        self.cli(&["bucket", "create", name]).expect("a bucket");
        self.cli(&[
            "bucket", "allow", "--read", "--write", "--owner", name, "--key", "tests",
        ])
        .expect("the key allowed");
    }

    /// The variables that point feedwright (and the AWS tools) at this server.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ACCESS_KEY_ID", S3_KEY_ID.to_owned()),
            ("AWS_SECRET_ACCESS_KEY", S3_SECRET.to_owned()),
            ("AWS_REGION", S3_REGION.to_owned()),
            ("AWS_ENDPOINT_URL", self.endpoint.clone()),
            ("AWS_ALLOW_HTTP", "true".to_owned()),
        ]
    }

    /// A client of `bucket` with the test key.
    pub fn client(&self, bucket: &str) -> object_store::aws::AmazonS3 {
        object_store::aws::AmazonS3Builder::new()
            .with_bucket_name(bucket)
            .with_access_key_id(S3_KEY_ID)
            .with_secret_access_key(S3_SECRET)
            .with_region(S3_REGION)
            .with_endpoint(&self.endpoint)
            .with_allow_http(true)
            .build()
            .expect("an S3 client")
    }

    fn cli(&self, args: &[&str]) -> Option<String> {
        let output = Command::new(&self.bin)
            .arg("-c")
            .arg(self.dir.path().join("garage.toml"))
            .args(args)
            .output()
            .ok()?;
        output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
    }
}

/// The `garage` program: `FEEDWRIGHT_GARAGE`, else on the PATH or in cargo's bin folder.
fn garage_bin() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("FEEDWRIGHT_GARAGE") {
        return Some(PathBuf::from(path));
    }
    let cargo_bin = std::env::var_os("HOME").map(|home| Path::new(&home).join(".cargo/bin"));
    std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .chain(cargo_bin)
        .map(|dir| dir.join("garage"))
        .find(|candidate| candidate.is_file())
}
