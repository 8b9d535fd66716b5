//! Unit tests of the whole shell over a bare VFS and no tools (builtins,
//! expansions, control flow, redirections). Tests with real tools are the
//! differential suite in `runner/tests/shell_differential.rs`.

use super::*;
use crate::exec::ExecEnv;
use crate::limits::Limits;
use crate::runtime::Runtime;
use crate::tools::ToolRegistry;
use std::sync::{Arc, Mutex, OnceLock};
use wasiland_vfs::Vfs;
use wasiland_wasi_host::{BytesInput, CaptureOutput, Interrupt, SharedVfs, SystemClock};

fn runtime() -> Runtime {
    static RT: OnceLock<Runtime> = OnceLock::new();
    RT.get_or_init(Runtime::new).clone()
}

pub(crate) struct T {
    pub exec: ExecEnv,
    pub st: ShellState,
}

impl T {
    pub(crate) fn new() -> T {
        let mut vfs = Vfs::new();
        for d in ["/home/user", "/tmp", "/usr/bin", "/dev"] {
            vfs.create_dir_all(d).unwrap();
        }
        let root = vfs.root();
        vfs.mknod(root, "dev/null", wasiland_vfs::Device::Null)
            .unwrap();
        let exec = ExecEnv {
            runtime: runtime(),
            tools: ToolRegistry::new(),
            vfs: SharedVfs::new(vfs),
            limits: Limits::default(),
            interrupt: Interrupt::new(),
            hits: Arc::new(Mutex::new(Vec::new())),
            trace: None,
            clock: Arc::new(SystemClock::new()),
            images: false,
            spawn_depth: 0,
            random: Arc::new(wasiland_wasi_host::OsRandom),
            budget: wasiland_wasi_host::MemoryBudget::unlimited(),
            host_functions: crate::HostFunctions::new(),
        };
        let env = vec![
            ("HOME".to_string(), "/home/user".to_string()),
            ("PATH".to_string(), "/usr/bin:/bin".to_string()),
        ];
        T {
            exec,
            st: ShellState::new("/home/user", env),
        }
    }

    pub(crate) fn run_in(&mut self, script: &str, stdin: &[u8]) -> (i32, String, String) {
        let out = CaptureOutput::new();
        let err = CaptureOutput::new();
        let stdio = [
            Stdio::Input(Arc::new(BytesInput::new(stdin.to_vec()))),
            Stdio::Output(out.clone()),
            Stdio::Output(err.clone()),
        ];
        let status = run_script(&mut self.st, &self.exec, script, stdio);
        (
            status,
            String::from_utf8_lossy(&out.take()).into_owned(),
            String::from_utf8_lossy(&err.take()).into_owned(),
        )
    }

    pub(crate) fn run(&mut self, script: &str) -> (i32, String, String) {
        self.run_in(script, b"")
    }
}

fn out(script: &str) -> String {
    let mut t = T::new();
    let (_, o, e) = t.run(script);
    if !e.is_empty() {
        eprintln!("stderr of {script:?}: {e}");
    }
    o
}

fn status(script: &str) -> i32 {
    T::new().run(script).0
}

#[test]
fn echo_and_quoting() {
    assert_eq!(out("echo hello world"), "hello world\n");
    assert_eq!(out("echo 'a  b' \"c  d\" e\\ f"), "a  b c  d e f\n");
    assert_eq!(
        out("echo -n x; echo -e 'a\\tb'; echo -E 'a\\tb'"),
        "xa\tb\na\\tb\n"
    );
    assert_eq!(out("echo $'x\\ny'"), "x\ny\n");
}

#[test]
fn variables_and_params() {
    assert_eq!(out("x=5; echo $x ${x} \"$x\""), "5 5 5\n");
    assert_eq!(
        out("echo ${u:-def} ${u-d2}; u=; echo ${u:-e} [${u-f}]"),
        "def d2\ne []\n"
    );
    assert_eq!(out("echo ${v:=set}; echo $v"), "set\nset\n");
    assert_eq!(
        out("x=abc; echo ${x:+alt} ${#x} ${x^^} ${x:1:1}"),
        "alt 3 ABC b\n"
    );
    assert_eq!(
        out("p=/a/b/c.tar.gz; echo ${p#*/} ${p##*/} ${p%.*} ${p%%.*}"),
        "a/b/c.tar.gz c.tar.gz /a/b/c.tar /a/b/c\n"
    );
    assert_eq!(out("s='a-b-c'; echo ${s/-/+} ${s//-/+}"), "a+b-c a+b+c\n");
    assert_eq!(
        out("set -- a 'b c' d; echo $#; for i in \"$@\"; do echo \"[$i]\"; done"),
        "3\n[a]\n[b c]\n[d]\n"
    );
    assert_eq!(
        out("set -- a b; echo \"$*\"; IFS=,; echo \"$*\""),
        "a b\na,b\n"
    );
}

#[test]
fn splitting_and_substitution() {
    assert_eq!(
        out("x='a b  c'; for w in $x; do echo $w; done"),
        "a\nb\nc\n"
    );
    assert_eq!(
        out("for w in $(echo 1 2 3); do echo -$w-; done"),
        "-1-\n-2-\n-3-\n"
    );
    assert_eq!(out("x=$(echo hi; echo there); echo \"$x\""), "hi\nthere\n");
    assert_eq!(out("echo `echo back`"), "back\n");
    assert_eq!(out("IFS=: read a b <<< 'x:y:z'; echo $a $b"), "x y:z\n");
}

#[test]
fn arithmetic() {
    assert_eq!(
        out("echo $((1 + 2 * 3)) $((10 / 3)) $((2 ** 8))"),
        "7 3 256\n"
    );
    assert_eq!(out("i=0; ((i++)); ((i += 5)); echo $i"), "6\n");
    assert_eq!(out("for ((i=0; i<3; i++)); do echo $i; done"), "0\n1\n2\n");
    assert_eq!(status("((0))"), 1);
    assert_eq!(out("x=3; echo $((x * x))"), "9\n");
}

#[test]
fn control_flow() {
    assert_eq!(out("if true; then echo y; else echo n; fi"), "y\n");
    assert_eq!(
        out("if false; then echo y; elif true; then echo e; fi"),
        "e\n"
    );
    assert_eq!(
        out("i=0; while [ $i -lt 3 ]; do echo $i; i=$((i+1)); done"),
        "0\n1\n2\n"
    );
    assert_eq!(
        out("i=0; until [ $i -ge 2 ]; do echo $i; i=$((i+1)); done"),
        "0\n1\n"
    );
    assert_eq!(
        out("for i in 1 2 3 4; do [ $i = 2 ] && continue; [ $i = 4 ] && break; echo $i; done"),
        "1\n3\n"
    );
    assert_eq!(
        out("case foo.txt in *.csv) echo csv;; *.txt) echo txt;; esac"),
        "txt\n"
    );
    assert_eq!(
        out("true && echo a || echo b; false && echo c || echo d"),
        "a\nd\n"
    );
    assert_eq!(out("! false; echo $?"), "0\n");
}

#[test]
fn functions_and_locals() {
    assert_eq!(
        out("f() { echo \"f:$1\"; return 3; }; f x; echo $?"),
        "f:x\n3\n"
    );
    assert_eq!(
        out("x=g; f() { local x=l; echo $x; }; f; echo $x"),
        "l\ng\n"
    );
    assert_eq!(out("fact() { if [ $1 -le 1 ]; then echo 1; else echo $(( $1 * $(fact $(( $1 - 1 ))) )); fi; }; fact 5"), "120\n");
}

#[test]
fn exits_and_errexit() {
    assert_eq!(status("exit 3"), 3);
    assert_eq!(T::new().run("(exit 4); echo $?").1, "4\n");
    assert_eq!(T::new().run("set -e; false; echo no").1, "");
    assert_eq!(
        T::new()
            .run("set -e; false || true; if false; then :; fi; echo yes")
            .1,
        "yes\n"
    );
    assert_eq!(status("nosuchcmd"), 127);
    assert_eq!(status("echo ${x:?boom}"), 127);
}

#[test]
fn redirections_and_files() {
    let mut t = T::new();
    assert_eq!(t.run("echo a > f; echo b >> f; cat_like() { while read l; do echo \"<$l>\"; done; }; cat_like < f").1, "<a>\n<b>\n");
    assert_eq!(
        t.run("{ echo out; echo err >&2; } > both 2>&1; read x < both; echo $x")
            .1,
        "out\n"
    );
    assert_eq!(t.st.cwd(), "/home/user");
    assert_eq!(
        t.exec
            .vfs
            .lock()
            .read_file("/home/user/both")
            .unwrap()
            .to_vec(),
        b"out\nerr\n"
    );
    assert_eq!(
        t.run("while read -r a b; do echo \"$b-$a\"; done <<EOF\n1 x\n2 y\nEOF")
            .1,
        "x-1\ny-2\n"
    );
    assert_eq!(t.run("x=v; cat_like() { while read l; do echo $l; done; }; cat_like <<'E'\n$x\nE\ncat_like <<E\n$x\nE").1, "$x\nv\n");
    assert_eq!(t.run("echo hi > /nonexistent/x; echo $?").1, "1\n");
}

#[test]
fn globs_and_cd() {
    let mut t = T::new();
    t.run("mkdir_fake() { :; }; echo > a.txt; echo > b.txt; echo > c.csv");
    assert_eq!(
        t.run("echo *.txt; echo *.none; echo \"*.txt\"").1,
        "a.txt b.txt\n*.none\n*.txt\n"
    );
    assert_eq!(
        t.run("cd /tmp && pwd; cd - >/dev/null; pwd").1,
        "/tmp\n/home/user\n"
    );
    assert_eq!(t.run("cd /nope; echo $?").1, "1\n");
    assert_eq!(t.run("echo {a,b}{1,2} {1..3}").1, "a1 a2 b1 b2 1 2 3\n");
    assert_eq!(t.run("echo ~ ~/x").1, "/home/user /home/user/x\n");
}

#[test]
fn builtin_pipelines() {
    assert_eq!(out("echo abc | { read x; echo got $x; }"), "got abc\n");
    assert_eq!(
        out("printf '%s\\n' 3 1 2 | while read n; do echo n$n; done"),
        "n3\nn1\nn2\n"
    );
    assert_eq!(out("x=1; echo 2 | read x; echo $x"), "1\n");
    assert_eq!(
        out("false | true; echo $?; set -o pipefail; false | true; echo $?"),
        "0\n1\n"
    );
    assert_eq!(out("echo a | (exit 3); echo ${PIPESTATUS[1]}"), "3\n");
}

#[test]
fn tests_and_conditionals() {
    assert_eq!(status("[ 1 -lt 2 ]"), 0);
    assert_eq!(status("[ abc = abd ]"), 1);
    assert_eq!(status("test -z ''"), 0);
    assert_eq!(status("[[ foo.txt == *.txt ]]"), 0);
    assert_eq!(
        out("[[ 'ab12' =~ ^([a-z]+)([0-9]+)$ ]] && echo ${BASH_REMATCH[2]}"),
        "12\n"
    );
    assert_eq!(status("[ -d /tmp ] && [ ! -f /tmp ]"), 0);
    assert_eq!(status("[ 1 -eq ]"), 2);
}

#[test]
fn arrays() {
    assert_eq!(
        out("a=(x y z); echo ${a[1]} ${#a[@]} ${a[@]}; a+=(w); echo ${a[-1]}"),
        "y 3 x y z\nw\n"
    );
    assert_eq!(
        out("f() { local -a arr=(1 2); echo ${arr[@]}; }; f"),
        "1 2\n"
    );
    assert_eq!(out("declare -A m; m[k]=v; echo ${m[k]} ${!m[@]}"), "v k\n");
}

#[test]
fn printf_read_misc() {
    assert_eq!(
        out("printf '%5.2f|%-3s|%03d\\n' 3.14159 ab 7"),
        " 3.14|ab |007\n"
    );
    assert_eq!(out("printf -v v '%x' 255; echo $v"), "ff\n");
    assert_eq!(out("eval 'x=1; echo $x'"), "1\n");
    assert_eq!(out("type cd; command -v cd"), "cd is a shell builtin\ncd\n");
    assert_eq!(out("trap 'echo bye' EXIT; echo hi"), "hi\nbye\n");
    assert_eq!(out("bash -c 'echo $0 $1' n a"), "n a\n");
    assert_eq!(
        out("x=1; bash -c 'echo [$x]'; export x; bash -c 'echo [$x]'"),
        "[]\n[1]\n"
    );
    assert_eq!(
        out("getopts 'ab:' o -a; echo $o; OPTIND=1; getopts 'ab:' o -b val; echo $o $OPTARG"),
        "a\nb val\n"
    );
}

#[test]
fn syntax_errors_are_status_2() {
    let mut t = T::new();
    let (s, o, e) = t.run("echo a\nif then");
    assert_eq!((s, o.as_str()), (2, "a\n"));
    assert!(e.contains("syntax error"), "{e}");
    assert_eq!(t.run("echo 'unterminated").0, 2);
}

#[test]
fn timeout_ends_loops() {
    let mut t = T::new();
    t.exec.interrupt.set_deadline(Some(
        std::time::Instant::now() + std::time::Duration::from_millis(200),
    ));
    let (s, _, _) = t.run("while true; do :; done");
    assert_eq!(s, 124);
    assert!(t
        .exec
        .hits
        .lock()
        .unwrap()
        .iter()
        .any(|h| h.kind == crate::limits::LimitKind::Timeout));
}

#[test]
fn depth_limit() {
    let mut t = T::new();
    let (s, _, e) = t.run("f() { f; }; f");
    assert_eq!(s, 2, "{e}");
    assert!(t
        .exec
        .hits
        .lock()
        .unwrap()
        .iter()
        .any(|h| h.kind == crate::limits::LimitKind::ShellDepth));
}

#[test]
fn session_persists() {
    let mut t = T::new();
    t.run("x=1; f() { echo f$x; }; cd /tmp");
    assert_eq!(t.run("f; pwd").1, "f1\n/tmp\n");
}

#[test]
fn hostile_input_never_panics() {
    let scripts = [
        "${", "$((", "(((", "[[ ]]", "[[ -f ]]", "case", "case x in", "if", "fi", "done", "for", "for ((;;", "$((1/0))",
        "$((2**-1))", "${x:?}", "${x/[/}", "${x:-${y:-${z}}}", "echo ${#}", "${!}", "${@:5:-9}", "a=(", "a[", "a[x",
        "declare -A m; m[a b]=1; echo ${m[a b]}", "echo $'\\x'", "printf %", "printf '%*d' x 1", "printf '%.*f' -5 1",
        "read -n", "read -d", "getopts", "getopts a", "shift x", "exit x", "return", "break 0", "continue -1",
        "cd ''", "cd", "pushd", "popd", "trap", "trap - EXIT", "test", "[", "[ ]", "[ -z", "[ 1 -eq 2 -o", "echo $'\\ud800'",
        "x=$'\\xff\\xfe'; echo ${#x} ${x:1}", "exec 99>&1", "echo hi >&9", "cat <&7", "echo > ''", "echo >> /", "<",
        ">", "|", "||", "&&", ";;", "echo a |", "f() {", "f() { f; }", "eval 'eval \"(\"'", "a=1 a=2", "unset -v",
        "set -o nope", "set -Z", "shopt -s nope", "let", "let '1+'", "(( 1 + ))", "echo $(( 0x ))", "echo {1..3..0}",
        "echo {z..a..-2}", "echo {9999999999..9999999999}", "local x", "readonly x; x=1", "declare -p nope", "type",
        "command", "command -v", "which", "source", "source /nope", ". /", "bash -c", "sh -c 'exit 300'", "env -u",
        "chmod", "chmod 999 x", "chmod +x /nope", "mapfile -u 9", "printf -v", "printf -v 'bad name' x",
        "echo \"${x@Q}\" ${x@U} ${x@a}", "x=(1 2); echo ${x[@]:1:-5}", "echo ${x:0:-1}", "z=abc; echo ${z: -10}",
        "[[ a =~ ( ]]", "[[ x == [ ]]", "case [ in [) echo y;; esac", "echo *[", "echo [", "echo \\", "wait 12345",
        "kill", "jobs", "echo $RANDOM$LINENO$SECONDS$BASHPID$$ > /dev/null", "IFS=; x='a b'; echo $x",
        "unset IFS; x='a b'; echo $x", "while :; do break; done", "until :; do :; done", "select x in a; do break; done",
        "coproc true", "time", "printf '%*s' 99999999999 x | wc -c", "printf '%.*f' 99999999999 1 > /dev/null", "! ", "echo $((9223372036854775807 + 1)) $((-9223372036854775807 - 1)) $(( (-9223372036854775807 - 1) / -1 ))",
    ];
    for s in scripts {
        let mut t = T::new();
        let (status, _, _) = t.run(s);
        assert!(
            status != 134 && (0..=255).contains(&status),
            "{s:?} -> {status}"
        );
    }
}

#[test]
fn run_argv_runs_builtins() {
    let t = T::new();
    let out = CaptureOutput::new();
    let stdio = [Stdio::Null, Stdio::Output(out.clone()), Stdio::Null];
    let status = super::run_argv(
        &t.exec,
        vec!["echo".into(), "a".into(), "b".into()],
        vec![],
        "/tmp",
        stdio,
    );
    assert_eq!(status, 0);
    assert_eq!(out.take(), b"a b\n");
    let stdio = [Stdio::Null, Stdio::Null, Stdio::Null];
    assert_eq!(
        super::run_argv(&t.exec, vec!["no-such-thing".into()], vec![], "/tmp", stdio),
        127
    );
}

#[test]
fn not_found_message_has_line() {
    let (s, _, e) = T::new().run("true\nnosuch");
    assert_eq!(s, 127);
    assert_eq!(e, "bash: line 2: nosuch: command not found\n");
}

#[test]
fn sandbox_not_found_message() {
    let mut sb = crate::Sandbox::builder().build().unwrap();
    let r = sb.run("true; nosuch2");
    assert_eq!(r.stderr_str(), "bash: line 1: nosuch2: command not found\n");
}

#[test]
fn incomplete_input_detection() {
    for s in [
        "if true; then\n",
        "echo 'abc\n",
        "echo a |\n",
        "cat <<EOF\nabc\n",
        "f() {\n",
        "for i in 1 2\n",
        "echo \"x\n",
        "echo a &&\n",
    ] {
        assert!(super::needs_more_input(s), "{s:?} should need more input");
    }
    for s in [
        "echo hi\n",
        "if true; then echo; fi\n",
        "fi\n",
        "echo )\n",
        "",
    ] {
        assert!(
            !super::needs_more_input(s),
            "{s:?} is complete (or a hard error)"
        );
    }
}

#[test]
fn timeout_command_is_not_a_run_timeout() {
    let mut t = T::new();
    let (s, o, _) = t.run("timeout 0.2 bash -c 'while :; do :; done'; echo rc=$?; whoami; id -un");
    assert_eq!((s, o.as_str()), (0, "rc=124\nuser\nuser\n"));
    assert!(t.exec.hits.lock().unwrap().is_empty());
}

// ------------------------------------------------------------ hostile input

/// Each of these once aborted the host (a panic inside brush-parser, a
/// stack overflow) or ran for minutes; now each is a clear error or bash's
/// answer, quickly.
#[test]
fn hostile_parser_input_is_an_error_not_a_crash() {
    let deep = |open: &str, mid: &str, close: &str| {
        format!("{}{mid}{}", open.repeat(20_000), close.repeat(20_000))
    };
    let cases: Vec<(String, i32, &str)> = vec![
        ("echo ${99999999999999999999}".into(), 0, "\n"),
        (
            "echo {1..10..-9223372036854775808}".into(),
            0,
            "{1..10..-9223372036854775808}\n",
        ),
        (
            "echo ~99999999999999999999".into(),
            0,
            "~99999999999999999999\n",
        ),
        ("exec 4294967297>/tmp/x".into(), 127, ""),
        (deep("{ ", "echo x", "; }"), 2, ""),
        (deep("if true; then ", "echo x", "; fi"), 2, ""),
        (deep("( ", "echo x", " )"), 2, ""),
        (deep("f() { ", "echo x", "; }"), 2, ""),
        (format!("echo {}", deep("$(", "echo x", ")")), 1, ""),
        (format!("echo {}", deep("${a:-", "x", "}")), 1, ""),
        (format!("echo \"{}\"", deep("${a:-\"", "x", "\"}")), 1, ""),
        (format!("echo $(({}))", deep("(", "1", ")")), 1, ""),
        (format!("[[ {}x ]]", "! ".repeat(20_000)), 2, ""),
        // Exponential in brush-parser's grammars before.
        (
            "echo ${a[${a[${a[${a[${a[${a[${a[0]}]}]}]}]}]}]}".into(),
            0,
            "\n",
        ),
        (format!("echo {}x", "{a,".repeat(40)), 0, ""),
        (format!("(( {}1 ))", "(".repeat(40)), 2, ""),
        (
            format!(
                "{}echo deep\n{}",
                "case a in a) ".repeat(30),
                "esac\n".repeat(30)
            ),
            2,
            "",
        ),
    ];
    for (script, status, stdout) in cases {
        let started = std::time::Instant::now();
        let mut t = T::new();
        let (s, o, e) = t.run(&script);
        let what = &script[..script.len().min(60)];
        assert_eq!(s, status, "{what}: {e}");
        if !stdout.is_empty() {
            assert_eq!(o, stdout, "{what}");
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "{what} took {:?}",
            started.elapsed()
        );
        // The sandbox goes on working.
        assert_eq!(t.run("echo ok").1, "ok\n");
    }
}

#[test]
fn nested_parentheses_are_subshells_unless_they_close_as_arithmetic() {
    assert_eq!(out("( ( echo x ) )"), "x\n");
    assert_eq!(out("((echo a); (echo b))"), "a\nb\n");
    assert_eq!(out("((echo c) )"), "c\n");
    assert_eq!(out("((1 + 2)); echo $?; (( 0 )); echo $?"), "0\n1\n");
    assert_eq!(out("for ((i=0; i<2; i++)); do echo $i; done"), "0\n1\n");
    assert_eq!(out("x=$( (echo y) ); echo $x"), "y\n");
}

#[test]
fn scripts_run_a_command_at_a_time() {
    // The commands before a syntax error run, as in bash; a command that
    // continues on the next line is one command.
    let mut t = T::new();
    let (s, o, e) = t.run("echo a\necho b |\nread x &&\necho $x\nf()\n{ echo f; }\nf\nif\n");
    assert_eq!((s, o.as_str()), (2, "a\n\nf\n"));
    assert!(
        e.contains("line 9: syntax error: unexpected end of file"),
        "{e}"
    );
    let (s, o, _) = t.run("eval 'echo e1\nif'; echo st=$?");
    assert_eq!((s, o.as_str()), (0, "e1\nst=2\n"));
    // A here-document, a case without ;; before esac, a function whose
    // body starts on the next line, a long script spanning many pieces.
    let long: String = (0..20_000).map(|i| format!("x{i}=\"{i}\"\n")).collect();
    let script = format!(
        "read h <<EOF\nh1\nEOF\necho $h\ncase a in\n a) echo c1\nesac\n{long}echo $x19999\nfunction g\n{{ echo g; }}\ng\n"
    );
    assert_eq!(out(&script), "h1\nc1\n19999\ng\n");
}

#[test]
fn hostile_numbers_and_runtime_nesting() {
    let mut t = T::new();
    for (script, status, stdout) in [
        // Descriptors past the open-files limit (bash: Bad file descriptor);
        // the table is sparse, nothing is sized by the number.
        ("exec 2147483647</dev/null; echo $?", 0, "1\n"),
        ("exec 1025>/tmp/x; echo $?", 0, "1\n"),
        ("exec 1023>/tmp/x; echo hi >&1023; read l </tmp/x; echo $l", 0, "hi\n"),
        ("echo y >&99999; echo $?", 0, "1\n"),
        // Arithmetic at the edges, as bash.
        (
            "echo $(( -9223372036854775808 / -1 )) $(( -9223372036854775808 % -1 )) $(( 2 ** 63 )) $(( 1 << 64 )) $(( 99999999999999999999 ))",
            0,
            "-9223372036854775808 0 -9223372036854775808 1 7766279631452241919\n",
        ),
        ("x=abc; echo ${x:1:9223372036854775807} ${x: -9223372036854775808}.", 0, "bc .\n"),
        ("a[9223372036854775807]=x; echo ${#a[@]} ${a[-1]}", 0, "1 x\n"),
        ("printf -v 'a[99999999999999999999]' x; echo $?", 0, "1\n"),
        ("OPTIND=99999999999999999999; getopts a o -a; echo $? $o", 0, "0 a\n"),
        ("OPTIND=18446744073709551615; getopts a o -a; echo $?", 0, "1\n"),
        // Long chains are loops; deep nesting is an error.
        ("echo $(( $(printf '+1%.0s' {1..100000}) ))", 0, "100000\n"),
        (
            "x=$(printf '(%.0s' {1..5000})1$(printf ')%.0s' {1..5000}); echo $((x))",
            1,
            "",
        ),
        ("x='x+1'; echo $((x))", 1, ""),
        ("[ $(printf '! %.0s' {1..5000}) x ]; echo $?", 0, "2\n"),
        ("[ x $(printf -- '-a x %.0s' {1..5000}) ]; echo $?", 0, "2\n"),
    ] {
        let (s, o, e) = t.run(script);
        assert_eq!((s, o.as_str()), (status, stdout), "{script}: {e}");
    }
    // Functions whose bodies nest deeply, calling each other: the depth
    // limit allows each, the host stack not all of them together.
    let body = format!("{}g{}", "{ ".repeat(900), "; }".repeat(900));
    let (s, _, e) = t.run(&format!("f() {body}; g() {{ f; }}; f"));
    assert_eq!(s, 2, "{e}");
    assert!(
        e.contains("nested too deeply") || e.contains("maximum nesting"),
        "{e}"
    );
    assert_eq!(t.run("echo ok").1, "ok\n");
}

#[test]
fn shell_strings_are_charged_to_the_sandbox_budget() {
    let mut t = T::new();
    t.exec.budget = wasiland_wasi_host::MemoryBudget::new(
        wasiland_wasi_host::budget::BudgetScope::Sandbox,
        Some(64 << 20),
    );
    let (s, o, e) = t.run("x=aaaaaaaaaa; while :; do x=$x$x; done; echo unreachable");
    assert_eq!((s, o.as_str()), (1, ""), "{e}");
    assert!(
        e.contains("cannot allocate memory (sandbox memory limit 64 MiB, --sandbox-memory)"),
        "{e}"
    );
    assert!(t.exec.budget.peak() <= 64 << 20);
    // The sandbox goes on working, its memory released.
    assert_eq!(t.run("unset x; echo ok").1, "ok\n");
}

/// A shell whose sandbox may hold `limit` bytes, with /dev/zero, and an
/// output limit that does not come first.
fn budgeted(limit: u64) -> T {
    let mut t = T::new();
    t.exec.budget = wasiland_wasi_host::MemoryBudget::new(
        wasiland_wasi_host::budget::BudgetScope::Sandbox,
        Some(limit),
    );
    t.exec.limits.output = Some(1 << 30);
    let mut vfs = t.exec.vfs.lock();
    let root = vfs.root();
    vfs.mknod(root, "dev/zero", wasiland_vfs::Device::Zero)
        .unwrap();
    drop(vfs);
    t
}

/// Each script grows host memory by a number, length or count taken from
/// its text; each must stop at the sandbox memory limit with bash's
/// message naming the limit (after `what`, when given), the budget never
/// past it, a limit hit recorded, and the shell still working afterwards.
#[test]
fn what_shell_text_sizes_is_charged_before_it_is_built() {
    // 1 MiB of 'a', built by doubling; then 8 MiB.
    let mib = "x=a; for i in {1..20}; do x=$x$x; done";
    let mib8 = format!("{mib}; for i in {{1..3}}; do x=$x$x; done");
    let cases: Vec<(u64, String, &str)> = vec![
        // The result of a substitution squares with `${x// /$x}`.
        (64, "x=' a b c '; while :; do x=${x// /$x}; done".into(), ""),
        (64, format!("{mib}; y=${{x//a/$x}}"), "pattern substitution"),
        // `$(...)` output held in memory.
        (
            64,
            format!("{mib}; y=$(while :; do echo \"$x\"; done); echo no"),
            "command substitution",
        ),
        // printf widths and precisions.
        (64, "printf '%999999999d' 1".into(), "printf"),
        (64, "printf '%.999999999d' 1".into(), "printf"),
        (64, "printf '%*s' 999999999 x".into(), "printf"),
        (64, "printf '%99999999999999999999d' 1".into(), "printf"),
        // A line without end (read a byte at a time: a small limit).
        (4, "read -r v < /dev/zero".into(), "read"),
        (4, "mapfile -t m < /dev/zero".into(), "mapfile"),
        // Array elements and positional parameters.
        (
            64,
            format!("{mib}; i=0; while :; do a[i]=$x; i=$((i+1)); done"),
            "a",
        ),
        (
            64,
            format!("{mib}; while :; do set -- \"$@\" \"$x\"; done"),
            "",
        ),
        // Copies of a large state for pipeline stages and jobs, all alive
        // (until the deadline) so that the copies add up.
        (
            64,
            format!(
                "{mib8}; while :; do :; done | {}",
                ["read a"; 9].join(" | ")
            ),
            "fork",
        ),
        (
            64,
            format!("{mib8}; for i in {{1..9}}; do while :; do :; done & done; wait"),
            "fork",
        ),
        // Millions of fields, or of words in one command.
        (
            64,
            format!("{mib}; x=${{x//a/a }}; set -- $x"),
            "word splitting",
        ),
        (
            64,
            format!("{mib}; x=${{x//a/a }}; eval \"echo $x\""),
            "command too long",
        ),
        // Transformations grow their input.
        (64, format!("{mib8}; y=${{x@Q}}${{x@Q}}"), "transformation"),
        // Function bodies.
        (
            64,
            format!("{mib}; while :; do eval \"f$RANDOM$RANDOM() {{ echo $x; }}\"; done"),
            "",
        ),
    ];
    for (mib_limit, script, what) in cases {
        let limit = mib_limit << 20;
        let mut t = budgeted(limit);
        let deadline =
            |secs| Some(std::time::Instant::now() + std::time::Duration::from_secs(secs));
        // Scripts that wait for their deadline get a short one.
        let secs = if script.contains("while :; do :; done") {
            2
        } else {
            60
        };
        t.exec.interrupt.set_deadline(deadline(secs));
        let (s, _, e) = t.run(&script);
        assert_ne!(s, 0, "{script}: {e}");
        let refusal = format!(
            "cannot allocate memory (sandbox memory limit {mib_limit} MiB, --sandbox-memory)"
        );
        assert!(e.contains(&refusal), "{script}: {e}");
        assert!(e.contains(&format!("{what}: {refusal}")), "{script}: {e}");
        assert!(t.exec.budget.peak() <= limit, "{script}");
        let hits = t.exec.hits.lock().unwrap().clone();
        assert!(
            hits.iter()
                .any(|h| h.kind == crate::limits::LimitKind::SandboxMemory),
            "{script}: {hits:?}"
        );
        t.st.vars.remove("x");
        t.st.positional.clear();
        t.st.recount_memory(0);
        // A new run, a new deadline (a passed one stays passed).
        t.exec.interrupt = Interrupt::new();
        t.exec.interrupt.set_deadline(deadline(60));
        let (s, o, e) = t.run("echo ok");
        assert_eq!((s, o.as_str()), (0, "ok\n"), "after {script}: {e}");
    }
}

/// What used to be capped silently (printf fields at 16 MiB) is bash's
/// result when the memory is there; huge offsets and lengths are fine.
#[test]
fn fields_past_the_old_caps_and_huge_offsets() {
    let mut t = budgeted(512 << 20);
    let (s, o, e) = t.run("printf -v v '%20000000d' 1; echo ${#v}");
    assert_eq!((s, o.as_str()), (0, "20000000\n"), "{e}");
    let (s, o, e) = t.run("printf -v v '%.20000000d' 7; echo ${#v} ${v: -2}");
    assert_eq!((s, o.as_str()), (0, "20000000 07\n"), "{e}");
    let (_, o, e) = t.run("x=abcdef; echo ${x:0:99999999999} ${x:99999999999} ${x:2:3}");
    assert_eq!(o, "abcdef cde\n", "{e}");
}

/// A duration past what a `Duration` holds is no panic (found by the
/// shell fuzzer, seed 1000020).
#[test]
fn timeout_takes_huge_durations() {
    let mut t = T::new();
    let (s, o, e) = t.run("timeout 1e100 echo ok; timeout 99999999999999999999d true; echo $?");
    assert_eq!((s, o.as_str()), (0, "ok\n0\n"), "{e}");
}

/// Long loops over one string stop at the run's deadline.
#[test]
fn string_loops_end_at_the_deadline() {
    for script in [
        // Quadratic pattern removal and substitution over 200,000 bytes.
        "x=$(printf %0200000d 0); y=${x%%*1}",
        "x=$(printf %0200000d 0); y=${x##*1}",
        "x=$(printf %0200000d 0); y=${x/#*1/z}",
        "read -r v < /dev/zero",
    ] {
        let mut t = budgeted(u64::MAX >> 1);
        let started = std::time::Instant::now();
        t.exec
            .interrupt
            .set_deadline(Some(started + std::time::Duration::from_millis(500)));
        let (s, _, e) = t.run(script);
        let took = started.elapsed();
        assert_eq!(s, 124, "{script}: {e}");
        assert!(
            took < std::time::Duration::from_secs(3),
            "{script}: {took:?}"
        );
    }
}

#[test]
fn errors_of_a_missing_script_reach_a_redirected_stderr() {
    // `sh ""` (and `sh /nope`) report to stderr while the script was being
    // read: with stderr a file of the same VFS, the read's lock was still
    // held and the shell deadlocked past any deadline (shell fuzzer, seed
    // 7000000196). A hang here fails after 20 s instead of blocking.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut t = T::new();
        let _ = tx.send(t.run(
            "sh '' 2> /tmp/e; read -r a < /tmp/e; sh /nope 2> /tmp/e; read -r b < /tmp/e; echo \"$a|$b\"",
        ));
    });
    let (status, out, err) = rx
        .recv_timeout(std::time::Duration::from_secs(20))
        .expect("the shell deadlocked");
    assert_eq!(
        (status, out.as_str()),
        (
            0,
            "bash: : Is a directory|bash: /nope: No such file or directory\n"
        ),
        "{err}"
    );
}
