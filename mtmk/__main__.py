"""Command line: ``python -m mtmk demo | simulate | align``."""

import argparse
import sys


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m mtmk", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="fit MTMK on digits and print what it learned")
    commands.add_parser("simulate", add_help=False,
                        help="rate simulations: --preset quick|fair|paper --out DIR "
                             "(python -m mtmk simulate --help)")
    commands.add_parser("align", add_help=False,
                        help="per-modality AUC table on simulated or real (--data mfeat) "
                             "image/text data "
                             "(python -m mtmk align --help)")
    args, rest = parser.parse_known_args(argv)
    if args.command == "demo":
        if rest:
            parser.error(f"unrecognized arguments: {' '.join(rest)}")
        from ._demo import main as demo
        return demo()
    if args.command == "simulate":
        from .theory._cli import main as simulate
        return simulate(["simulate", *rest])
    from ._alignment_cli import main as align
    return align(rest)


if __name__ == "__main__":
    sys.exit(main())
