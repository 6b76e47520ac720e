//! `cargo run -- [OPTIONS]`, `cargo run -- chaos --seeds 50`, `cargo run -- grade --pack DIR`
//! (`cargo run -- --help` for the options).

fn main() -> std::process::ExitCode {
    my_register::example().run::<my_register::MyRegister>()
}
