use dfix_grammar::Document;
fn main() {
    let path = std::env::args().nth(1).unwrap();
    let src = std::fs::read_to_string(path).unwrap();
    let doc = Document::parse(&src);
    for ins in &doc.instructions {
        let Some(sc) = ins.shell_script(&src) else {
            continue;
        };
        println!(
            "== {:?} errors={} text={:?}",
            ins.kind,
            sc.has_errors(),
            sc.source().text()
        );
        for st in sc.statements() {
            println!(
                " stmt {:?} {:?} term={:?}",
                st.span,
                &src[st.span.clone()],
                st.terminator()
            );
            for it in &st.items {
                println!(
                    "   item {:?} op={:?}",
                    &src[it.pipeline.span.clone()],
                    it.operator_after
                );
            }
        }
        for h in ins.heredoc_scripts(&src) {
            println!(" heredoc text={:?}", h.source().text());
            for st in h.statements() {
                println!(
                    "  hstmt {:?} term={:?}",
                    &src[st.span.clone()],
                    st.terminator()
                );
            }
        }
    }
}
