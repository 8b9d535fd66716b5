import configparser

cfg = configparser.ConfigParser()
cfg.read("settings.ini")
print(cfg.sections())
print(cfg["server"]["host"], cfg.getint("server", "port"), cfg.getboolean("server", "debug"))
print(cfg.getint("client", "timeout"), cfg.getint("server", "timeout"), cfg.get("client", "missing", fallback="n/a"))
cfg["client"]["retries"] = "4"
cfg.add_section("new")
cfg.set("new", "key", "value")
with open("out.ini", "w") as f:
    cfg.write(f)
