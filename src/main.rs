use std::process::ExitCode;

fn main() -> ExitCode {
    dfix::app::main()
}
