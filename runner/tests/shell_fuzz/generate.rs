//! The program generator: a seed gives a bash program mixing every
//! construct the shell knows (lists, compound commands, functions,
//! expansions of every kind, arithmetic, redirections, here-documents,
//! brace and glob patterns, pipelines, background jobs) with known hostile
//! shapes in random sizes (deep nesting, huge numbers, long words, memory
//! doubling, fork bombs).

/// splitmix64: small, fast, and a seed reproduces a program.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }

    /// A size skewed to small, sometimes huge.
    fn size(&mut self) -> usize {
        match self.below(10) {
            0..=5 => self.below(4),
            6..=7 => self.below(40),
            8 => self.below(3000),
            _ => self.below(40_000),
        }
    }
}

const NAMES: &[&str] = &[
    "x", "y", "a", "i", "IFS", "PATH", "f", "HOME", "OPTIND", "_z1",
];
const LITERALS: &[&str] = &[
    "a",
    "b c",
    "*",
    "?",
    "[a-z]",
    "-n",
    "-e",
    "--",
    "=",
    "x=1",
    "''",
    "\\",
    "\"",
    "'",
    "\n",
    "é",
    "\t",
    "{",
    "}",
    "(",
    ")",
    ";",
    "&",
    "|",
    "<",
    ">",
    "!",
    "~",
    "~root",
    "#c",
    "%",
    "@",
    "0",
    "1",
    "-1",
    "07",
    "08",
    "0x1f",
    "64#@",
    "2#101",
    "9223372036854775807",
    "-9223372036854775808",
    "99999999999999999999",
    "4294967297",
    "2147483647",
    "1e100",
    "/dev/null",
    "/dev/zero",
    "/etc/passwd",
    "/tmp/f",
    ".",
    "..",
    "/",
];
const COMMANDS: &[&str] = &[
    "echo",
    "printf",
    "read",
    "test",
    "[",
    ":",
    "true",
    "false",
    "eval",
    "set",
    "shift",
    "local",
    "declare",
    "export",
    "unset",
    "let",
    "exit",
    "return",
    "cd",
    "pwd",
    "type",
    "command",
    "builtin",
    "getopts",
    "mapfile",
    "trap",
    "wait",
    "kill",
    "exec",
    "source",
    "readonly",
    "shopt",
    "bash",
    "sh",
    "env",
    "timeout",
    "cat",
    "wc",
    "sort",
    "head",
    "tr",
    "grep",
    "seq",
    "sed",
    "awk",
    "xargs",
    "find",
    "nosuchcmd",
    "f",
    "g",
];

/// How many shapes [`Gen::hostile`] knows.
const HOSTILE_SHAPES: usize = 47;

struct Gen {
    rng: Rng,
    out: String,
    depth: usize,
    /// Generating a command's arguments (not an assignment or operand).
    in_args: bool,
}

impl Gen {
    fn new(seed: u64) -> Gen {
        Gen {
            rng: Rng(seed ^ 0x5eed_5eed),
            out: String::new(),
            depth: 0,
            in_args: false,
        }
    }

    fn program(mut self) -> String {
        // Sometimes one of the known hostile shapes, sometimes a mix.
        if self.rng.chance(15) {
            self.hostile();
        }
        let n = 1 + self.rng.below(4);
        for _ in 0..n {
            self.list();
            self.out.push('\n');
        }
        if self.rng.chance(10) {
            self.hostile();
        }
        self.out
    }

    /// Shapes that broke the host before, or that size an allocation or a
    /// loop by a number or length from the text, in random sizes.
    fn hostile(&mut self) {
        // Now and then ten times the usual size: 100,000 nested `$(` got
        // past a stack guard that 40,000 never reached.
        let scale = if self.rng.chance(10) { 10 } else { 1 };
        let n = (self.rng.size() * scale).max(1);
        let big = [
            "20000",
            "100000",
            "1000000",
            "99999999",
            "2147483647",
            "99999999999999999999",
        ][self.rng.below(6)];
        let s = match self.rng.below(HOSTILE_SHAPES) {
            0 => format!("{}echo x{}", "{ ".repeat(n), "; }".repeat(n)),
            1 => format!("{}echo x{}", "if true; then ".repeat(n), "; fi".repeat(n)),
            2 => format!("{}echo x{}", "( ".repeat(n), " )".repeat(n)),
            3 => format!("echo {}x{}", "$(".repeat(n), ")".repeat(n)),
            4 => format!("echo {}x{}", "${a:-".repeat(n), "}".repeat(n)),
            5 => format!("echo $(({}1{}))", "(".repeat(n), ")".repeat(n)),
            6 => format!(
                "{}echo d\n{}",
                "case a in a) ".repeat(n.min(60)),
                "esac\n".repeat(n.min(60))
            ),
            7 => format!("echo {}x", "{a,".repeat(n)),
            8 => format!(
                "echo ${{a[{}0{}]}}",
                "${a[".repeat(n.min(50)),
                "]}".repeat(n.min(50))
            ),
            9 => "x=aaaaaaaaaaaaaaaa; while :; do x=$x$x; done".into(),
            10 => format!("x=$(printf %0{big}d 0); y=${{x//0/$x}}; echo ${{#y}}"),
            11 => format!("echo {{1..{big}}} | wc -c"),
            12 => format!("printf '%{big}s' x | wc -c"),
            13 => format!("exec {big}>/tmp/fd; echo $?"),
            14 => format!("read -n {big} v < /dev/zero; echo ${{#v}}"),
            15 => "f() { f | f; }; f".into(),
            16 => "f() { f; }; f".into(),
            17 => format!("x=$(printf '(%.0s' {{1..{n}}}); echo $((x))"),
            18 => format!("[[ {}x ]]", "! ".repeat(n)),
            19 => format!("echo {}", "'".repeat(n % 7 + 1)),
            20 => format!("a[{big}]=1; echo ${{#a[@]}} ${{a[-1]}}"),
            21 => format!(
                "set -- $(seq {}); echo $#; shift {big}; echo $?",
                n.min(5000)
            ),
            22 => format!("cat <<EOF\n{}\nEOF", "${x:-".repeat(n)),
            23 => format!("x=${{x:-{}}}; echo ${{#x}}", "y".repeat(n)),
            24 => format!("x=$(head -c {big} /dev/zero | tr '\\0' a); echo ${{#x}}"),
            25 => format!("printf '%.{big}d' 1 | wc -c"),
            26 => format!("x=abcdef; echo ${{x:0:{big}}} ${{x:{big}}} ${{x: -{big}}}"),
            27 => format!(
                "for i in {{1..{}}}; do echo $RANDOM & done; wait; echo $?",
                n.min(300)
            ),
            28 => "trap 'false' ERR; f() { false; f; }; f".into(),
            29 => format!(
                "eval \"$(printf 'x%d=1;' {{1..{}}})\"; echo $x1",
                n.min(20000)
            ),
            30 => "shopt -s expand_aliases; alias a=b b=a; a; alias c='c c'; c".into(),
            31 => format!("cat <<EOF | wc -c\n$(printf %0{big}d 0)\n$(printf %0{big}d 0)\nEOF"),
            32 => format!("echo x{} | wc -c", " | cat".repeat(n.min(300))),
            33 => "x=' a b c d '; while :; do x=${x// /$x}; done".into(),
            34 => format!("ulimit -n {big}; exec 1000>/tmp/f; echo $?"),
            35 => {
                format!("read -N {big} v < /dev/zero; mapfile -n {big} m < /dev/zero; echo ${{#v}}")
            }
            36 => format!(
                "mkdir -p /tmp/d && cd /tmp/d && touch {{1..{}}}; echo * | wc -c; cd /",
                n.min(3000)
            ),
            37 => format!("x=$(yes | head -n {big}); echo ${{#x}}"),
            38 => format!("set -- {{1..{}}}; echo \"$@$@$@\" | wc -c", n.min(20000)),
            39 => format!(
                "declare -A m; for i in {{1..{}}}; do m[$i]=$i; done; echo ${{#m[@]}}",
                n.min(5000)
            ),
            40 => format!(
                "x=$(printf %0{big}d 0); echo ${{x^^}} ${{x@Q}} ${{x%%0*}} ${{x##*0}} | wc -c"
            ),
            41 => {
                format!("x=$(printf %0{big}d 0); while read -r l; do :; done <<< \"$x\"; echo done")
            }
            42 => format!("printf '%*d' {big} 1 | wc -c; printf '%-{big}s|' a | wc -c"),
            43 => "f() { local x=$1$1; f $x; }; f a".into(),
            44 => format!("i=0; while ((i++ < {big})); do :; done; echo $i"),
            45 => format!(
                "x=({{1..{}}}); echo ${{#x[@]}} \"${{x[*]}}\" | wc -c",
                n.min(20000)
            ),
            _ => format!("echo $(( {} ))", "1+".repeat(n) + "1"),
        };
        self.out.push_str(&s);
        self.out.push('\n');
    }

    fn list(&mut self) {
        let outer = std::mem::replace(&mut self.in_args, false);
        self.depth += 1;
        let n = 1 + self.rng.below(3);
        for k in 0..n {
            if k > 0 {
                let sep = self.rng.pick(&["; ", " && ", " || ", "\n", " & ", " | "]);
                self.out.push_str(sep);
            }
            self.command();
        }
        self.depth -= 1;
        self.in_args = outer;
    }

    fn command(&mut self) {
        if self.depth > 6 || self.rng.chance(55) {
            return self.simple();
        }
        match self.rng.below(14) {
            0 => {
                self.out.push_str("{ ");
                self.list();
                self.out.push_str("; }");
            }
            1 => {
                self.out.push_str("( ");
                self.list();
                self.out.push_str(" )");
            }
            2 => {
                self.out.push_str("if ");
                self.list();
                self.out.push_str("; then ");
                self.list();
                if self.rng.chance(50) {
                    self.out.push_str("; else ");
                    self.list();
                }
                self.out.push_str("; fi");
            }
            3 => {
                let v = self.rng.pick(NAMES);
                self.out.push_str(&format!("for {v} in "));
                for _ in 0..self.rng.below(4) {
                    self.word();
                    self.out.push(' ');
                }
                self.out.push_str("; do ");
                self.list();
                self.out.push_str("; done");
            }
            4 => {
                let limit = self.rng.below(50);
                self.out
                    .push_str(&format!("i=0; while [ $i -lt {limit} ]; do i=$((i+1)); "));
                self.list();
                self.out.push_str("; done");
            }
            5 => {
                self.out.push_str("for ((j=0; j<");
                self.out.push_str(&self.rng.below(20).to_string());
                self.out.push_str("; j++)); do ");
                self.list();
                self.out.push_str("; done");
            }
            6 => {
                self.out.push_str("case ");
                self.word();
                self.out.push_str(" in ");
                for _ in 0..1 + self.rng.below(3) {
                    self.word();
                    self.out.push_str(") ");
                    self.list();
                    self.out
                        .push_str(self.rng.pick(&[";; ", ";& ", ";;& ", ";;\n"]));
                }
                self.out.push_str(" esac");
            }
            7 => {
                let name = self.rng.pick(&["f", "g"]);
                self.out.push_str(&format!("{name}() {{ "));
                self.list();
                self.out.push_str("; }");
            }
            8 => {
                self.out.push_str("(( ");
                self.arith();
                self.out.push_str(" ))");
            }
            9 => {
                self.out.push_str("[[ ");
                self.word();
                self.out.push_str(
                    self.rng
                        .pick(&[" == ", " != ", " =~ ", " < ", " -eq ", " -lt "]),
                );
                self.word();
                self.out.push_str(" ]]");
            }
            10 => {
                self.out.push_str("! ");
                self.simple();
            }
            11 => {
                self.simple();
                self.out.push_str(" <<");
                self.out.push_str(self.rng.pick(&["EOF", "'EOF'", "-EOF"]));
                self.out.push('\n');
                for _ in 0..self.rng.below(3) {
                    self.word();
                    self.out.push('\n');
                }
                // What follows (`; }`, ` | cmd`) needs a command on its line.
                self.out.push_str("EOF\n:");
            }
            12 => {
                self.out.push_str("time ");
                self.simple();
            }
            _ => {
                self.simple();
                self.out.push_str(" | ");
                self.simple();
            }
        }
        if self.rng.chance(15) {
            self.redirect();
        }
    }

    fn simple(&mut self) {
        if self.rng.chance(20) {
            let v = self.rng.pick(NAMES);
            self.out.push_str(&format!(
                "{v}{}=",
                if self.rng.chance(20) { "+" } else { "" }
            ));
            if self.rng.chance(20) {
                self.out.push('(');
                for _ in 0..self.rng.below(4) {
                    self.word();
                    self.out.push(' ');
                }
                self.out.push(')');
            } else {
                self.word();
            }
            if self.rng.chance(60) {
                return;
            }
            self.out.push(' ');
        }
        let c = self.rng.pick(COMMANDS);
        self.out.push_str(c);
        for _ in 0..self.rng.below(4) {
            self.out.push(' ');
            let outer = std::mem::replace(&mut self.in_args, true);
            self.word();
            self.in_args = outer;
        }
        if self.rng.chance(10) {
            self.redirect();
        }
    }

    fn redirect(&mut self) {
        let fd = if self.rng.chance(20) {
            self.rng.pick(&["0", "1", "2", "3", "9", "1023"])
        } else {
            ""
        };
        self.out.push(' ');
        self.out.push_str(fd);
        let op = self
            .rng
            .pick(&[">", ">>", "<", "<>", ">&", "<&", ">|", "<<<", "&>"]);
        self.out.push_str(op);
        self.out.push(' ');
        if op.ends_with('&') && self.rng.chance(60) {
            self.out
                .push_str(self.rng.pick(&["1", "2", "-", "9", "99999"]));
        } else {
            self.word();
        }
    }

    fn word(&mut self) {
        let parts = 1 + self.rng.below(3);
        for _ in 0..parts {
            self.word_part();
        }
    }

    fn word_part(&mut self) {
        self.depth += 1;
        let deep = self.depth > 8;
        match if deep { 0 } else { self.rng.below(16) } {
            0 | 1 => {
                let l = self.rng.pick(LITERALS);
                // Quote what would break the program's structure.
                if l.chars().any(|c| "\n;&|<>(){}'\"\\`$ \t#".contains(c)) {
                    self.out
                        .push_str(&format!("'{}'", l.replace('\'', "'\\''")));
                } else {
                    self.out.push_str(l);
                }
            }
            2 => {
                let v = self.rng.pick(NAMES);
                self.out.push_str(&format!("${v}"));
            }
            3 => {
                let v = self.rng.pick(NAMES);
                let op = self.rng.pick(&[
                    ":-", "-", ":=", "=", ":+", "+", ":?", "#", "##", "%", "%%", "/", "//", "/#",
                    "/%", "^", "^^", ",", ",,", ":1", ": -2:1", "@Q", "@U", "@A",
                ]);
                self.out.push_str(&format!("${{{v}{op}"));
                if !op.contains('@') && !op.starts_with(":1") && !op.starts_with(": ") {
                    self.word_part();
                }
                self.out.push('}');
            }
            4 => {
                self.out.push_str(self.rng.pick(&[
                    "${#x}", "${!x}", "${!a*}", "${a[@]}", "${a[*]}", "${#a[@]}", "${!a[@]}", "$@",
                    "$*", "$#", "$?", "$$", "$!", "$0", "$1", "${10}", "$-",
                ]));
            }
            5 => {
                self.out.push_str("$(");
                self.list();
                self.out.push(')');
            }
            6 => {
                self.out.push('"');
                self.word_part();
                self.out.push(' ');
                self.word_part();
                self.out.push('"');
            }
            7 => {
                self.out.push_str("$((");
                self.arith();
                self.out.push_str("))");
            }
            8 => {
                let a = self.rng.below(30);
                let b = self.rng.below(30);
                self.out.push_str(&format!("{{{a}..{b}}}"));
            }
            9 => self.out.push_str(self.rng.pick(&[
                "{a,b}",
                "{x,{y,z}}",
                "{a..e..2}",
                "{01..5}",
                "{,}",
            ])),
            10 => self
                .out
                .push_str(self.rng.pick(&["*", "/*", "/tmp/*", "?", "[!a]*", "**"])),
            11 => {
                let n = self.rng.size();
                self.out.push_str(&"z".repeat(n));
            }
            12 => self.out.push_str(self.rng.pick(&[
                "$'\\x41\\n\\u00e9'",
                "$'\\c'",
                "$\"g\"",
                "\\$x",
                "\\\\",
            ])),
            13 => {
                self.out.push_str("`echo ");
                self.out.push_str(self.rng.pick(&["a", "b"]));
                self.out.push('`');
            }
            // Process substitution is a syntax error outside arguments.
            14 if self.in_args => {
                self.out.push_str("<(");
                self.simple();
                self.out.push(')');
            }
            _ => {
                let n = self.rng.below(40);
                let digits: String = (0..n.max(1))
                    .map(|_| char::from(b'0' + self.rng.below(10) as u8))
                    .collect();
                self.out.push_str(&digits);
            }
        }
        self.depth -= 1;
    }

    fn arith(&mut self) {
        self.depth += 1;
        if self.depth > 8 || self.rng.chance(40) {
            let atom = if self.rng.chance(50) {
                self.rng
                    .pick(&[
                        "1",
                        "0",
                        "-1",
                        "x",
                        "a[1]",
                        "i",
                        "9223372036854775807",
                        "99999999999999999999",
                        "08",
                        "0x10",
                        "64#z",
                        "2#",
                        "''",
                    ])
                    .to_string()
            } else {
                self.rng.below(100).to_string()
            };
            self.out.push_str(&atom);
        } else {
            match self.rng.below(5) {
                0 => {
                    self.out.push('(');
                    self.arith();
                    self.out.push(')');
                }
                1 => {
                    self.out
                        .push_str(self.rng.pick(&["-", "!", "~", "++", "--"]));
                    self.arith();
                }
                2 => {
                    self.arith();
                    self.out.push_str(" ? ");
                    self.arith();
                    self.out.push_str(" : ");
                    self.arith();
                }
                3 => {
                    self.out.push_str(self.rng.pick(&["x", "a[2]", "i"]));
                    self.out
                        .push_str(self.rng.pick(&[" = ", " += ", " <<= ", " /= ", " %= "]));
                    self.arith();
                }
                _ => {
                    self.arith();
                    self.out.push_str(self.rng.pick(&[
                        " + ", " - ", " * ", " / ", " % ", " ** ", " << ", " >> ", " && ", " || ",
                        " , ", " == ", " < ", " & ", " ^ ",
                    ]));
                    self.arith();
                }
            }
        }
        self.depth -= 1;
    }
}

/// Seeds from here on name the programs of [`KNOWN`] (in a cycle).
pub const KNOWN_BASE: u64 = 1 << 62;

/// The examples of issue 12 and what it asked to find of their class:
/// each once took the host down, hung it or grew its memory without
/// bound.
pub const KNOWN: &[&str] = &[
    "x=aaaaaaaaaa; while :; do x=$x$x; done",
    "x=' a b '; while :; do x=${x// /$x}; done",
    "x=a; for i in {1..20}; do x=$x$x; done; y=${x//a/$x}",
    "x=a; for i in {1..23}; do x=$x$x; done; while :; do :; done | read a | read a | read a | read a | read a | read a | read a | read a | read a | read a | read a | read a | read a | read a | read a | read a | read a | read a | read a | read a | read a | read a | read a | read a | read a | read a | read a | read a | read a | read a | read a | read a | read a | read a | read a | read a | read a | read a | read a | read a | read a | read a | read a | read a | read a | read a | read a | read a | read a | read a | read a | read a | read a | read a | read a | read a | read a | read a | read a | read a",
    "x=a; for i in {1..23}; do x=$x$x; done; for i in {1..40}; do while :; do :; done & done; wait",
    "f() { f | f; }; f",
    "f() { f; }; f",
    "for i in {1..3000}; do { x=$RANDOM; } & done; wait",
    "y=$(while :; do echo aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa; done); echo ${#y}",
    "printf '%999999999d' 1",
    "printf '%.999999999d' 1 | wc -c",
    "printf -v v '%200000000s' x; echo ${#v}",
    "read v < /dev/zero; echo ${#v}",
    "mapfile m < /dev/zero",
    "echo ${99999999999999999999}; echo {1..10..-9223372036854775808}",
    "exec 4294967297>/tmp/x; exec 2147483647</etc/passwd; echo $?",
    "x=a; for i in {1..21}; do x=$x$x; done; x=${x//a/a }; eval \"echo $x\" | wc -c",
    "x=a; for i in {1..21}; do x=$x$x; done; x=${x//a/a }; set -- $x; echo $#",
    "x=$(printf %0500000d 0); y=${x%%*1}; z=${x##*1}",
    "a=(); for i in {1..100000}; do a+=(\"$i$i$i$i$i$i$i$i\"); done; echo ${#a[@]}",
    "x=a; for i in {1..20}; do x=$x$x; done; while :; do set -- \"$@\" \"$x\"; done",
    "x=a; for i in {1..20}; do x=$x$x; done; while :; do eval \"f$RANDOM$RANDOM() { echo $x; }\"; done",
    "x=$(printf '%.0s$(' {1..200000}); eval \"echo $x\"; echo \"echo $x\" > /tmp/s; . /tmp/s",
    "x=a; for i in {1..26}; do x=$x$x; done; ( : $(true){1..400} ); export x; ( sh -c : )",
];

/// The program of `seed`.
pub fn program(seed: u64) -> String {
    if let Some(k) = seed.checked_sub(KNOWN_BASE) {
        return KNOWN[(k % KNOWN.len() as u64) as usize].to_string();
    }
    Gen::new(seed).program()
}
