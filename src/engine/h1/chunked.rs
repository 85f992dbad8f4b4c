//! A streaming decoder for `Transfer-Encoding: chunked` (RFC 9112 §7.1).
//!
//! It keeps only a few counters between reads: chunk data is handed on as slices of the input,
//! and the size lines, extensions and trailers are walked byte by byte, so a chunk boundary or a
//! size line split across reads costs nothing and no body byte is ever copied here.

/// Bytes of chunk extensions and trailers one body may carry in total. They are metadata the
/// tool never reads; a server streaming them without end would otherwise keep a response open
/// until its timeout.
pub const MAX_OVERHEAD: usize = 16 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Reading the hex digits of a chunk size.
    Size,
    /// After the size: an extension (`;name=value`) or whitespace, up to the CR.
    Extension,
    /// The LF ending a size line.
    SizeLf,
    /// Inside a chunk's data.
    Data,
    /// The CR, then the LF, after a chunk's data.
    DataCr,
    DataLf,
    /// At the start of a trailer line, or of the empty line ending the body.
    TrailerStart,
    /// Inside a trailer field line, up to its LF.
    Trailer,
    /// The LF of the empty line that ends the body.
    EndLf,
    Done,
}

/// Where decoding one input stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decoded {
    /// The input was consumed; the body goes on.
    NeedMore,
    /// The body ended after `used` bytes of the input; the rest belongs to no response.
    Done { used: usize },
    /// The data callback asked to stop (the caller's drain cap).
    Stopped,
}

#[derive(Debug, Clone)]
pub struct Chunked {
    state: State,
    /// The chunk size being read, then what is left of the chunk's data.
    size: u64,
    digits: u32,
    overhead: usize,
}

impl Default for Chunked {
    fn default() -> Self {
        Chunked {
            state: State::Size,
            size: 0,
            digits: 0,
            overhead: 0,
        }
    }
}

impl Chunked {
    /// Decode `input`, handing each piece of chunk data to `data` (which returns `false` to
    /// stop). An error is a one-line description of what was malformed.
    pub fn decode(
        &mut self,
        input: &[u8],
        mut data: impl FnMut(&[u8]) -> bool,
    ) -> Result<Decoded, String> {
        let mut i = 0;
        while i < input.len() {
            let b = input[i];
            match self.state {
                State::Size => {
                    if let Some(d) = (b as char).to_digit(16) {
                        self.size = self
                            .size
                            .checked_mul(16)
                            .and_then(|s| s.checked_add(u64::from(d)))
                            .ok_or("a chunk size overflows 64 bits")?;
                        self.digits += 1;
                    } else if self.digits == 0 {
                        return Err(format!("a chunk size line starts with {}", show(b)));
                    } else {
                        match b {
                            b'\r' => self.state = State::SizeLf,
                            b';' | b' ' | b'\t' => {
                                self.state = State::Extension;
                                self.overhead(1)?;
                            }
                            _ => return Err(format!("a chunk size is followed by {}", show(b))),
                        }
                    }
                    i += 1;
                }
                State::Extension => {
                    match b {
                        b'\r' => self.state = State::SizeLf,
                        b'\n' => return Err("a chunk size line ends in a bare LF".into()),
                        _ => self.overhead(1)?,
                    }
                    i += 1;
                }
                State::SizeLf => {
                    if b != b'\n' {
                        return Err(format!("a chunk size line's CR is followed by {}", show(b)));
                    }
                    self.state = if self.size == 0 {
                        State::TrailerStart
                    } else {
                        State::Data
                    };
                    i += 1;
                }
                State::Data => {
                    let n = usize::try_from(self.size)
                        .unwrap_or(usize::MAX)
                        .min(input.len() - i);
                    let go = data(&input[i..i + n]);
                    self.size -= n as u64;
                    i += n;
                    if self.size == 0 {
                        self.state = State::DataCr;
                    }
                    if !go {
                        return Ok(Decoded::Stopped);
                    }
                }
                State::DataCr | State::DataLf => {
                    let (want, next) = if self.state == State::DataCr {
                        (b'\r', State::DataLf)
                    } else {
                        (b'\n', State::Size)
                    };
                    if b != want {
                        return Err(format!(
                            "a chunk's data is followed by {}, not CRLF (its size is wrong)",
                            show(b)
                        ));
                    }
                    self.state = next;
                    self.digits = 0;
                    i += 1;
                }
                State::TrailerStart => {
                    self.state = if b == b'\r' {
                        State::EndLf
                    } else {
                        self.overhead(1)?;
                        State::Trailer
                    };
                    i += 1;
                }
                State::Trailer => {
                    if b == b'\n' {
                        self.state = State::TrailerStart;
                    } else {
                        self.overhead(1)?;
                    }
                    i += 1;
                }
                State::EndLf => {
                    if b != b'\n' {
                        return Err(format!("the last chunk's CR is followed by {}", show(b)));
                    }
                    self.state = State::Done;
                    return Ok(Decoded::Done { used: i + 1 });
                }
                State::Done => return Ok(Decoded::Done { used: i }),
            }
        }
        Ok(if self.state == State::Done {
            Decoded::Done { used: i }
        } else {
            Decoded::NeedMore
        })
    }

    fn overhead(&mut self, n: usize) -> Result<(), String> {
        self.overhead += n;
        if self.overhead > MAX_OVERHEAD {
            return Err(format!(
                "chunk extensions and trailers exceed {} KiB",
                MAX_OVERHEAD / 1024
            ));
        }
        Ok(())
    }
}

fn show(b: u8) -> String {
    if b.is_ascii_graphic() {
        format!("{:?}", b as char)
    } else {
        format!("byte 0x{b:02x}")
    }
}
