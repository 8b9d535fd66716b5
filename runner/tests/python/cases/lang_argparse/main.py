import argparse

def main(argv=None):
    parser = argparse.ArgumentParser(prog="stats", description="Small statistics tool.")
    parser.add_argument("-v", "--verbose", action="store_true", help="print details")
    parser.add_argument("--precision", type=int, default=2, help="decimal places (default: %(default)s)")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("sum", "max"):
        p = sub.add_parser(name, help=f"compute the {name}")
        p.add_argument("numbers", nargs="+", type=float)
        p.add_argument("-v", "--verbose", action="store_true")
        p.add_argument("--precision", type=int, default=2)
    args = parser.parse_args(argv)
    result = sum(args.numbers) if args.command == "sum" else max(args.numbers)
    if args.verbose:
        print(f"{args.command} of {len(args.numbers)} numbers")
    print(f"{result:.{args.precision}f}")

if __name__ == "__main__":
    try:
        main()
    except SystemExit as e:
        print("exit code", e.code)
        raise
