import textwrap

para = ("Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor "
        "incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud "
        "exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat.")
print(textwrap.fill(para, width=40))
print()
print(textwrap.fill(para, width=50, initial_indent="  * ", subsequent_indent="    "))
print(textwrap.shorten(para, width=60, placeholder=" [...]"))
print(textwrap.indent("a\nb\n\nc", "> "))
print(textwrap.dedent('''
    def f():
        return 1
'''))
print(textwrap.wrap("short", width=3))
