pub fn run(_ctx: &super::super::Ctx, _a: &super::super::args::BenchArgs) -> anyhow::Result<i32> {
    Ok(0)
}
