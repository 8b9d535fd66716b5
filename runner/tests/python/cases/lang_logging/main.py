import logging, sys

logger = logging.getLogger("app")
logger.setLevel(logging.DEBUG)
fh = logging.FileHandler("app.log", mode="w")
fh.setFormatter(logging.Formatter("%(levelname)-8s %(name)s: %(message)s"))
fh.setLevel(logging.INFO)
sh = logging.StreamHandler(sys.stdout)
sh.setFormatter(logging.Formatter("[%(levelname)s] %(message)s"))
logger.addHandler(fh)
logger.addHandler(sh)
logger.debug("debug details %d", 42)
logger.info("processing %s items", 3)
logger.warning("low disk")
child = logging.getLogger("app.db")
child.error("connection failed: %s", "timeout")
try:
    1 / 0
except ZeroDivisionError:
    logger.exception("math failed")
logging.basicConfig(level=logging.WARNING, format="%(levelname)s:%(message)s")
logging.warning("root warning goes to stderr")
logging.info("root info is filtered")
print(logger.getEffectiveLevel(), child.parent.name, logging.getLevelName(30))
