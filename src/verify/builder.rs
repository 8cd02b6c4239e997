//! The container builders `dfix verify` drives: a small trait (build, look
//! at an image, run it, remove it) and its one implementation over the
//! command lines of buildah, podman and docker. The command lines are plain
//! functions so that they are tested without the tools.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use super::process::{self, Exit, Finished};

/// What `verify` needs of a builder.
pub trait Builder {
    /// The engine's name, for messages.
    fn name(&self) -> &'static str;
    /// Builds `dockerfile` with `context` as the build context, tagged
    /// `tag`. `Err` holds the end of the build log.
    fn build(&self, context: &Path, dockerfile: &Path, tag: &str) -> Result<(), String>;
    /// The image's configuration, layer count and size.
    fn inspect(&self, tag: &str) -> Result<ImageInfo, String>;
    /// The text of a file in the image (`None` when it has no such file).
    fn read_file(&self, tag: &str, path: &str) -> Result<Option<String>, String>;
    /// Runs the image as `docker run IMAGE [COMMAND]` would: `command`, when
    /// given, replaces the image's CMD and keeps its ENTRYPOINT.
    fn run(
        &self,
        tag: &str,
        image: &ImageInfo,
        command: Option<&[String]>,
        limit: Duration,
    ) -> Result<Finished, String>;
    /// Removes the image (errors are ignored: it is clean-up).
    fn remove(&self, tag: &str);
}

/// The container engines dfix knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Engine {
    /// buildah (builds and runs without a daemon).
    Buildah,
    /// podman.
    Podman,
    /// docker (needs a running Docker engine).
    Docker,
}

impl Engine {
    /// In the order `verify` looks for them on `PATH`.
    pub const ALL: [Engine; 3] = [Engine::Buildah, Engine::Podman, Engine::Docker];

    /// The program's name.
    pub fn program(self) -> &'static str {
        match self {
            Engine::Buildah => "buildah",
            Engine::Podman => "podman",
            Engine::Docker => "docker",
        }
    }

    /// The first engine found on `PATH`.
    pub fn find() -> Option<Engine> {
        Engine::ALL.into_iter().find(|e| on_path(e.program()))
    }

    /// Builds `dockerfile` in `context` as `tag`. buildah keeps its layer
    /// cache (`--layers`) as docker and podman do by default, so the
    /// "before" and "after" builds share the steps they have in common.
    /// Build arguments and secrets are passed as all three take them.
    pub fn build_argv(
        self,
        context: &Path,
        dockerfile: &Path,
        tag: &str,
        inputs: &BuildInputs,
    ) -> Vec<String> {
        let mut argv = vec![self.program().to_string(), "build".into()];
        if self == Engine::Buildah {
            argv.push("--layers".into());
        }
        for arg in &inputs.build_args {
            argv.extend(["--build-arg".into(), arg.clone()]);
        }
        for secret in &inputs.secrets {
            argv.extend(["--secret".into(), secret.clone()]);
        }
        argv.extend([
            "-f".into(),
            dockerfile.display().to_string(),
            "-t".into(),
            tag.into(),
            context.display().to_string(),
        ]);
        argv
    }

    /// Prints the image's JSON description.
    pub fn inspect_argv(self, tag: &str) -> Vec<String> {
        match self {
            Engine::Buildah => argv(&["buildah", "inspect", "--type", "image", tag]),
            _ => argv(&[self.program(), "image", "inspect", tag]),
        }
    }

    /// Makes a container `name` of the image without starting it.
    pub fn create_argv(self, tag: &str, name: &str) -> Vec<String> {
        match self {
            Engine::Buildah => argv(&["buildah", "from", "--pull-never", "--name", name, tag]),
            _ => argv(&[self.program(), "create", "--name", name, tag]),
        }
    }

    /// Runs the image. buildah has no ENTRYPOINT/CMD logic of its own, so
    /// its command is resolved here ([`ImageInfo::command`]) and run in the
    /// container `name` made by [`Engine::create_argv`]; docker and podman
    /// take the replacement command as `docker run` does.
    pub fn run_argv(
        self,
        tag: &str,
        name: &str,
        image: &ImageInfo,
        command: Option<&[String]>,
    ) -> Vec<String> {
        match self {
            Engine::Buildah => {
                let mut v = argv(&["buildah", "run", name, "--"]);
                v.extend(image.command(command));
                v
            }
            _ => {
                let mut v = argv(&[self.program(), "run", "--name", name, tag]);
                v.extend(command.unwrap_or_default().iter().cloned());
                v
            }
        }
    }

    /// Removes the container `name`.
    pub fn remove_container_argv(self, name: &str) -> Vec<String> {
        match self {
            Engine::Buildah => argv(&["buildah", "rm", name]),
            _ => argv(&[self.program(), "rm", "--force", name]),
        }
    }

    /// Removes the image.
    pub fn remove_image_argv(self, tag: &str) -> Vec<String> {
        argv(&[self.program(), "rmi", "--force", tag])
    }

    /// Copies a file out of container `name`: buildah mounts the container
    /// (the path is then read directly), docker and podman write a tar
    /// stream of the file to stdout.
    pub fn read_argv(self, name: &str, path: &str) -> Vec<String> {
        match self {
            Engine::Buildah => argv(&["buildah", "mount", name]),
            _ => argv(&[self.program(), "cp", &format!("{name}:{path}"), "-"]),
        }
    }
}

fn argv(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| w.to_string()).collect()
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// What a build is given besides its context: `--build-arg NAME=VALUE`
/// and `--secret id=NAME,env=NAME` (or `src=FILE`), as `docker build` takes
/// them.
#[derive(Debug, Clone, Default)]
pub struct BuildInputs {
    /// `NAME=VALUE` (or `NAME`, taken from the environment).
    pub build_args: Vec<String>,
    /// `id=NAME,env=VAR` or `id=NAME,src=FILE`.
    pub secrets: Vec<String>,
}

/// What `verify` reads of an image.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageInfo {
    /// The configured `USER` (empty: root).
    pub user: String,
    /// `ENTRYPOINT`.
    pub entrypoint: Vec<String>,
    /// `CMD`.
    pub cmd: Vec<String>,
    /// Number of filesystem layers.
    pub layers: usize,
    /// Size in bytes (the layers, uncompressed).
    pub size: u64,
}

impl ImageInfo {
    /// Reads `buildah inspect --type image` or `docker/podman image
    /// inspect` output.
    pub fn from_json(engine: Engine, text: &str) -> Result<ImageInfo, String> {
        let v: Value =
            serde_json::from_str(text).map_err(|e| format!("unreadable inspect output: {e}"))?;
        let strings = |v: &Value| -> Vec<String> {
            v.as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|s| s.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        };
        match engine {
            Engine::Buildah => {
                let config = &v["OCIv1"]["config"];
                // buildah's manifest of a local image lists each layer's
                // uncompressed size.
                let manifest: Value = v["Manifest"]
                    .as_str()
                    .and_then(|m| serde_json::from_str(m).ok())
                    .unwrap_or_default();
                let size = manifest["layers"]
                    .as_array()
                    .map(|l| l.iter().filter_map(|l| l["size"].as_u64()).sum())
                    .unwrap_or(0);
                Ok(ImageInfo {
                    user: config["User"].as_str().unwrap_or_default().to_string(),
                    entrypoint: strings(&config["Entrypoint"]),
                    cmd: strings(&config["Cmd"]),
                    layers: v["OCIv1"]["rootfs"]["diff_ids"]
                        .as_array()
                        .map_or(0, Vec::len),
                    size,
                })
            }
            Engine::Podman | Engine::Docker => {
                let image = v.get(0).ok_or("empty inspect output")?;
                let config = &image["Config"];
                Ok(ImageInfo {
                    user: config["User"].as_str().unwrap_or_default().to_string(),
                    entrypoint: strings(&config["Entrypoint"]),
                    cmd: strings(&config["Cmd"]),
                    layers: image["RootFS"]["Layers"].as_array().map_or(0, Vec::len),
                    size: image["Size"].as_u64().unwrap_or(0),
                })
            }
        }
    }

    /// The command a container of this image runs: its ENTRYPOINT followed
    /// by `command` when given, else by its CMD (Docker's rule).
    pub fn command(&self, command: Option<&[String]>) -> Vec<String> {
        let mut argv = self.entrypoint.clone();
        argv.extend(command.unwrap_or(&self.cmd).iter().cloned());
        argv
    }
}

/// A [`Builder`] that runs an engine's command line, logging everything to
/// one file.
pub struct CliBuilder {
    /// The engine.
    pub engine: Engine,
    /// Where every command's output goes.
    pub log: PathBuf,
    /// The longest a build may take.
    pub build_limit: Duration,
    /// Build arguments and secrets of every build.
    pub inputs: BuildInputs,
}

/// The longest a command other than a build or a run may take.
const SHORT: Duration = Duration::from_secs(120);

impl CliBuilder {
    fn call(&self, argv: &[String], limit: Duration) -> Result<Finished, String> {
        process::run(argv, &self.log, limit)
    }

    fn ok(&self, argv: &[String]) -> Result<String, String> {
        let done = self.call(argv, SHORT)?;
        if done.exit.success() {
            Ok(done.output)
        } else {
            Err(format!(
                "`{}` failed: {}",
                argv.join(" "),
                last_lines(&done.output, 10)
            ))
        }
    }

    /// Makes a container, calls `f` with its name, removes it.
    fn with_container<T>(
        &self,
        tag: &str,
        f: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<T, String> {
        let name = container_name();
        self.ok(&self.engine.create_argv(tag, &name))?;
        let result = f(&name);
        let _ = self.call(&self.engine.remove_container_argv(&name), SHORT);
        result
    }
}

impl Builder for CliBuilder {
    fn name(&self) -> &'static str {
        self.engine.program()
    }

    fn build(&self, context: &Path, dockerfile: &Path, tag: &str) -> Result<(), String> {
        let done = self.call(
            &self
                .engine
                .build_argv(context, dockerfile, tag, &self.inputs),
            self.build_limit,
        )?;
        match done.exit {
            Exit::Code(0) => Ok(()),
            Exit::Code(code) => Err(format!("exit {code}:\n{}", last_lines(&done.output, 25))),
            Exit::TimedOut => Err(format!(
                "still building after {} s",
                self.build_limit.as_secs()
            )),
        }
    }

    fn inspect(&self, tag: &str) -> Result<ImageInfo, String> {
        // The log holds the JSON between other commands' output: run it
        // into a log of its own.
        let out = process::run(
            &self.engine.inspect_argv(tag),
            &self.log.with_extension("inspect"),
            SHORT,
        )?;
        let _ = std::fs::remove_file(self.log.with_extension("inspect"));
        if !out.exit.success() {
            return Err(format!(
                "cannot inspect {tag}: {}",
                last_lines(&out.output, 5)
            ));
        }
        ImageInfo::from_json(self.engine, &out.output)
    }

    fn read_file(&self, tag: &str, path: &str) -> Result<Option<String>, String> {
        self.with_container(tag, |name| {
            let scratch = self.log.with_extension("read");
            let done = process::run(&self.engine.read_argv(name, path), &scratch, SHORT);
            let _ = std::fs::remove_file(&scratch);
            let done = done?;
            if !done.exit.success() {
                // docker/podman cp: no such file.
                return Ok(None);
            }
            match self.engine {
                Engine::Buildah => {
                    let root = PathBuf::from(done.output.trim());
                    let text = read_in_root(&root, path);
                    let _ = self.call(&argv(&["buildah", "umount", name]), SHORT);
                    Ok(text)
                }
                _ => Ok(first_file_of_tar(done.output.as_bytes())),
            }
        })
    }

    fn run(
        &self,
        tag: &str,
        image: &ImageInfo,
        command: Option<&[String]>,
        limit: Duration,
    ) -> Result<Finished, String> {
        if image.command(command).is_empty() {
            return Err("the image has no ENTRYPOINT or CMD to run (give --smoke)".into());
        }
        let name = container_name();
        if self.engine == Engine::Buildah {
            self.ok(&self.engine.create_argv(tag, &name))?;
        }
        let scratch = self.log.with_extension("run");
        let done = process::run(
            &self.engine.run_argv(tag, &name, image, command),
            &scratch,
            limit,
        );
        let _ = std::fs::remove_file(&scratch);
        let _ = self.call(&self.engine.remove_container_argv(&name), SHORT);
        done
    }

    fn remove(&self, tag: &str) {
        let _ = self.call(&self.engine.remove_image_argv(tag), SHORT);
    }
}

/// A container name unique to this process and call.
fn container_name() -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    format!(
        "dfix-verify-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    )
}

/// Reads `path` inside a mounted root filesystem, following symbolic links
/// as the container would (inside `root`, never out of it).
fn read_in_root(root: &Path, path: &str) -> Option<String> {
    let mut current = PathBuf::from("/");
    let mut parts: Vec<String> = path.split('/').rev().map(str::to_string).collect();
    let mut hops = 0;
    while let Some(part) = parts.pop() {
        match part.as_str() {
            "" | "." => continue,
            ".." => {
                current.pop();
                continue;
            }
            _ => {}
        }
        let next = current.join(&part);
        let on_disk = root.join(next.strip_prefix("/").ok()?);
        match std::fs::read_link(&on_disk) {
            Ok(target) => {
                hops += 1;
                if hops > 40 {
                    return None;
                }
                let target = target.to_string_lossy().into_owned();
                if target.starts_with('/') {
                    current = PathBuf::from("/");
                }
                parts.extend(target.split('/').rev().map(str::to_string));
            }
            Err(_) => current = next,
        }
    }
    std::fs::read_to_string(root.join(current.strip_prefix("/").ok()?)).ok()
}

/// The content of the first regular file of a tar stream (what `docker cp
/// CONTAINER:FILE -` writes).
pub fn first_file_of_tar(tar: &[u8]) -> Option<String> {
    let mut at = 0;
    while at + 512 <= tar.len() {
        let header = &tar[at..at + 512];
        if header.iter().all(|&b| b == 0) {
            return None;
        }
        let size_field = std::str::from_utf8(&header[124..136]).ok()?;
        let size = u64::from_str_radix(size_field.trim_matches(|c| c == '\0' || c == ' '), 8)
            .ok()? as usize;
        let kind = header[156];
        let body = at + 512;
        if kind == b'0' || kind == 0 {
            let data = tar.get(body..body + size)?;
            return Some(String::from_utf8_lossy(data).into_owned());
        }
        at = body + size.div_ceil(512) * 512;
    }
    None
}

/// The last `n` lines of a log.
pub fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.trim_end().lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(words: &[&str]) -> Vec<String> {
        argv(words)
    }

    #[test]
    fn build_command_lines() {
        let (ctx, df) = (Path::new("/src/app"), Path::new("/tmp/x/Dockerfile"));
        let none = BuildInputs::default();
        assert_eq!(
            Engine::Buildah.build_argv(ctx, df, "t:1", &none).join(" "),
            "buildah build --layers -f /tmp/x/Dockerfile -t t:1 /src/app"
        );
        assert_eq!(
            Engine::Docker.build_argv(ctx, df, "t:1", &none).join(" "),
            "docker build -f /tmp/x/Dockerfile -t t:1 /src/app"
        );
        let inputs = BuildInputs {
            build_args: s(&["VERSION=1.2"]),
            secrets: s(&["id=NPM_TOKEN,env=NPM_TOKEN"]),
        };
        assert_eq!(
            Engine::Podman.build_argv(ctx, df, "t:1", &inputs).join(" "),
            "podman build --build-arg VERSION=1.2 --secret id=NPM_TOKEN,env=NPM_TOKEN \
             -f /tmp/x/Dockerfile -t t:1 /src/app"
        );
    }

    #[test]
    fn run_command_lines() {
        let image = ImageInfo {
            entrypoint: s(&["/entry.sh"]),
            cmd: s(&["serve", "--port", "80"]),
            ..ImageInfo::default()
        };
        let smoke = s(&["--version"]);
        assert_eq!(
            Engine::Buildah.run_argv("t", "c", &image, None),
            s(&[
                "buildah",
                "run",
                "c",
                "--",
                "/entry.sh",
                "serve",
                "--port",
                "80"
            ])
        );
        assert_eq!(
            Engine::Buildah.run_argv("t", "c", &image, Some(&smoke)),
            s(&["buildah", "run", "c", "--", "/entry.sh", "--version"])
        );
        assert_eq!(
            Engine::Docker.run_argv("t", "c", &image, None),
            s(&["docker", "run", "--name", "c", "t"])
        );
        assert_eq!(
            Engine::Podman.run_argv("t", "c", &image, Some(&smoke)),
            s(&["podman", "run", "--name", "c", "t", "--version"])
        );
        assert_eq!(
            Engine::Buildah.create_argv("t", "c"),
            s(&["buildah", "from", "--pull-never", "--name", "c", "t"])
        );
        assert_eq!(
            Engine::Docker.create_argv("t", "c"),
            s(&["docker", "create", "--name", "c", "t"])
        );
        assert_eq!(
            Engine::Docker.remove_container_argv("c"),
            s(&["docker", "rm", "--force", "c"])
        );
        assert_eq!(
            Engine::Buildah.remove_container_argv("c"),
            s(&["buildah", "rm", "c"])
        );
        assert_eq!(
            Engine::Podman.remove_image_argv("t"),
            s(&["podman", "rmi", "--force", "t"])
        );
        assert_eq!(
            Engine::Docker.read_argv("c", "/etc/passwd"),
            s(&["docker", "cp", "c:/etc/passwd", "-"])
        );
        assert_eq!(
            Engine::Buildah.read_argv("c", "/etc/passwd"),
            s(&["buildah", "mount", "c"])
        );
        assert_eq!(
            Engine::Buildah.inspect_argv("t"),
            s(&["buildah", "inspect", "--type", "image", "t"])
        );
        assert_eq!(
            Engine::Docker.inspect_argv("t"),
            s(&["docker", "image", "inspect", "t"])
        );
    }

    #[test]
    fn inspect_output_of_each_engine() {
        let buildah = r#"{"OCIv1": {"config": {"User": "10001:10001", "Entrypoint": ["/e"],
            "Cmd": ["a", "b"]}, "rootfs": {"type": "layers", "diff_ids": ["sha256:1", "sha256:2"]}},
            "Manifest": "{\"layers\": [{\"size\": 1000}, {\"size\": 24}]}"}"#;
        assert_eq!(
            ImageInfo::from_json(Engine::Buildah, buildah).unwrap(),
            ImageInfo {
                user: "10001:10001".into(),
                entrypoint: s(&["/e"]),
                cmd: s(&["a", "b"]),
                layers: 2,
                size: 1024,
            }
        );
        let docker = r#"[{"Config": {"User": "", "Entrypoint": null, "Cmd": ["sh"]},
            "RootFS": {"Type": "layers", "Layers": ["sha256:1"]}, "Size": 77}]"#;
        assert_eq!(
            ImageInfo::from_json(Engine::Docker, docker).unwrap(),
            ImageInfo {
                user: String::new(),
                entrypoint: vec![],
                cmd: s(&["sh"]),
                layers: 1,
                size: 77,
            }
        );
        assert!(ImageInfo::from_json(Engine::Docker, "[]").is_err());
        assert!(ImageInfo::from_json(Engine::Buildah, "not json").is_err());
    }

    #[test]
    fn tar_stream_file() {
        let mut tar = vec![0u8; 512];
        tar[..6].copy_from_slice(b"passwd");
        tar[124..135].copy_from_slice(b"00000000005");
        tar[156] = b'0';
        let mut body = b"root:".to_vec();
        body.resize(512, 0);
        tar.extend(body);
        tar.extend([0u8; 1024]);
        assert_eq!(first_file_of_tar(&tar).as_deref(), Some("root:"));
        assert_eq!(first_file_of_tar(&[0u8; 1024]), None);
        assert_eq!(first_file_of_tar(b"short"), None);
    }

    #[test]
    fn reads_inside_a_root_through_links() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        std::fs::create_dir_all(r.join("usr/etc")).unwrap();
        std::fs::write(r.join("usr/etc/passwd"), "root:x:0:0\n").unwrap();
        std::os::unix::fs::symlink("usr/etc", r.join("etc")).unwrap();
        std::os::unix::fs::symlink("/etc/passwd", r.join("abs")).unwrap();
        assert_eq!(
            read_in_root(r, "/etc/passwd").as_deref(),
            Some("root:x:0:0\n")
        );
        // An absolute link resolves inside the root, not on the host.
        assert_eq!(read_in_root(r, "/abs").as_deref(), Some("root:x:0:0\n"));
        assert_eq!(
            read_in_root(r, "/../../etc/passwd").as_deref(),
            Some("root:x:0:0\n")
        );
        assert_eq!(read_in_root(r, "/nope"), None);
        std::os::unix::fs::symlink("loop", r.join("loop")).unwrap();
        assert_eq!(read_in_root(r, "/loop"), None);
    }
}
