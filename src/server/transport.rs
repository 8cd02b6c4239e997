//! Messages over stdin/stdout. lsp-server's own stdio transport stops
//! reading at the first malformed message (and allocates whatever a
//! `Content-Length` asks for); this one skips a bad message, answers a
//! request it cannot read with an error, and bounds the size, so a client's
//! mistake never ends the session.

use std::io::{self, BufRead, Read, Write};
use std::thread;

use crossbeam_channel::{Receiver, Sender};
use lsp_server::{ErrorCode, Message, RequestId, Response};

/// The largest message read (a Dockerfile is far smaller; a bigger
/// `Content-Length` is a broken header, skipped).
pub const MAX_MESSAGE: usize = 64 << 20;

/// What one read gave.
#[derive(Debug)]
pub enum Incoming {
    /// A message.
    Message(Message),
    /// A message that could not be used; the stream goes on after it. A
    /// request's id, when one could be read, gets an error reply.
    Bad {
        /// Why.
        why: String,
        /// The request to answer with an error.
        id: Option<RequestId>,
    },
    /// End of input (or a message cut short by it).
    End,
}

/// Reads one message: headers up to a blank line, then `Content-Length`
/// bytes of JSON.
pub fn read(r: &mut impl BufRead) -> Incoming {
    let mut size: Option<usize> = None;
    let mut bad_header = None;
    let mut line = Vec::new();
    loop {
        line.clear();
        // Bounded: a header line never needs more than a few bytes.
        match r.by_ref().take(4096).read_until(b'\n', &mut line) {
            Ok(0) => return Incoming::End,
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => return Incoming::End,
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        if text.is_empty() {
            if size.is_some() || bad_header.is_some() {
                break;
            }
            // Blank lines between messages are skipped.
            continue;
        }
        // After a message cut short, the next header may follow the
        // leftover bytes on the same line: start at it.
        let lower = text.to_ascii_lowercase();
        let text = match lower.find("content-length:") {
            Some(i) if text.is_char_boundary(i) => &text[i..],
            _ => text,
        };
        match text.split_once(':') {
            Some((name, value)) if name.trim().eq_ignore_ascii_case("content-length") => {
                match value.trim().parse::<usize>() {
                    Ok(n) if n <= MAX_MESSAGE => size = Some(n),
                    _ => bad_header = Some(format!("bad Content-Length: {value:?}")),
                }
            }
            Some(_) => {}
            None => bad_header = Some(format!("malformed header: {text:?}")),
        }
    }
    let Some(size) = size else {
        return Incoming::Bad {
            why: bad_header.unwrap_or_else(|| "no Content-Length".into()),
            id: None,
        };
    };
    let mut body = vec![0; size];
    if r.read_exact(&mut body).is_err() {
        return Incoming::End;
    }
    if let Some(why) = bad_header {
        return Incoming::Bad { why, id: None };
    }
    parse(&body)
}

/// A message from a body; for JSON that is no message, the id to answer.
pub fn parse(body: &[u8]) -> Incoming {
    match serde_json::from_slice::<Message>(body) {
        Ok(m) => Incoming::Message(m),
        Err(e) => {
            let id = serde_json::from_slice::<serde_json::Value>(body)
                .ok()
                .and_then(|v| serde_json::from_value::<RequestId>(v.get("id")?.clone()).ok());
            Incoming::Bad {
                why: format!("malformed message: {e}"),
                id,
            }
        }
    }
}

/// The stdio threads: a reader that sends messages on, and a writer.
pub struct Threads {
    reader: thread::JoinHandle<()>,
    writer: thread::JoinHandle<()>,
}

impl Threads {
    /// Waits for the writer to flush (the reader may be blocked on stdin
    /// after `exit`; it ends with the process).
    pub fn join(self) {
        let _ = self.writer.join();
        drop(self.reader);
    }
}

/// A connection over stdin/stdout.
pub fn stdio() -> io::Result<(lsp_server::Connection, Threads)> {
    let (to_server, from_client): (Sender<Message>, Receiver<Message>) =
        crossbeam_channel::unbounded();
    let (to_client, for_writer): (Sender<Message>, Receiver<Message>) =
        crossbeam_channel::unbounded();
    let replies = to_client.clone();
    let reader = thread::Builder::new()
        .name("dfix-lsp-reader".into())
        .spawn(move || {
            let stdin = io::stdin();
            let mut stdin = stdin.lock();
            loop {
                match read(&mut stdin) {
                    Incoming::Message(m) => {
                        let exit = matches!(&m, Message::Notification(n) if n.method == "exit");
                        if to_server.send(m).is_err() || exit {
                            return;
                        }
                    }
                    Incoming::Bad { why, id } => {
                        eprintln!("dfix server: skipped a message: {why}");
                        if let Some(id) = id {
                            let r = Response::new_err(id, ErrorCode::InvalidRequest as i32, why);
                            let _ = replies.send(r.into());
                        }
                    }
                    Incoming::End => return,
                }
            }
        })?;
    let writer = thread::Builder::new()
        .name("dfix-lsp-writer".into())
        .spawn(move || {
            let stdout = io::stdout();
            let mut stdout = stdout.lock();
            for m in for_writer {
                if m.write(&mut stdout).and_then(|_| stdout.flush()).is_err() {
                    return;
                }
            }
        })?;
    let connection = lsp_server::Connection {
        sender: to_client,
        receiver: from_client,
    };
    Ok((connection, Threads { reader, writer }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framed(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    #[test]
    fn bad_messages_are_skipped_and_the_stream_goes_on() {
        let good = r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#;
        let input = [
            framed("{not json"),
            framed(r#"{"jsonrpc":"2.0","id":7,"method":3}"#),
            "Content-Length: 99999999999999999999\r\n\r\n".to_string(),
            "garbage line\r\n\r\n".to_string(),
            framed(good),
        ]
        .concat();
        let mut r = io::Cursor::new(input.into_bytes());
        assert!(matches!(read(&mut r), Incoming::Bad { id: None, .. }));
        match read(&mut r) {
            Incoming::Bad { id: Some(id), .. } => assert_eq!(id, RequestId::from(7)),
            other => panic!("{other:?}"),
        }
        assert!(matches!(read(&mut r), Incoming::Bad { .. }));
        assert!(matches!(read(&mut r), Incoming::Bad { .. }));
        assert!(matches!(
            read(&mut r),
            Incoming::Message(Message::Notification(_))
        ));
        assert!(matches!(read(&mut r), Incoming::End));
        // A body cut short by the end of input.
        let mut r = io::Cursor::new(b"Content-Length: 50\r\n\r\n{\"a\"".to_vec());
        assert!(matches!(read(&mut r), Incoming::End));
        // Leftovers of a cut message before the next header.
        let input = ["{\"jsonrpc\":\"2.0\",\"me".to_string(), framed(good)].concat();
        let mut r = io::Cursor::new(input.into_bytes());
        assert!(matches!(
            read(&mut r),
            Incoming::Message(Message::Notification(_))
        ));
    }
}
