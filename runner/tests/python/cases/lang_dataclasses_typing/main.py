from dataclasses import dataclass, field, asdict, astuple, replace
from typing import NamedTuple, Optional, List, Dict, TypedDict, Union
from enum import Enum, auto, IntEnum, Flag

@dataclass(order=True, frozen=True)
class Version:
    major: int
    minor: int = 0
    patch: int = 0
    def __str__(self):
        return f"{self.major}.{self.minor}.{self.patch}"

@dataclass
class Project:
    name: str
    versions: List[Version] = field(default_factory=list)
    meta: Dict[str, str] = field(default_factory=dict, repr=False)
    owner: Optional[str] = None

p = Project("demo", [Version(1, 2), Version(1, 10), Version(0, 9, 9)])
print(p)
print(sorted(p.versions), max(p.versions), str(min(p.versions)))
print(asdict(p)["versions"][0], astuple(Version(3)), replace(Version(1), patch=5))
try:
    p.versions[0].major = 5
except Exception as e:
    print(type(e).__name__)
print(Version(1, 2) == Version(1, 2), hash(Version(1)) == hash(Version(1)))

class Point(NamedTuple):
    x: float
    y: float = 0.0
    def dist(self):
        return (self.x ** 2 + self.y ** 2) ** 0.5
pt = Point(3, 4)
print(pt, pt.dist(), pt._fields, Point._field_defaults)

class Movie(TypedDict):
    title: str
    year: int
m: Movie = {"title": "Heat", "year": 1995}
print(m, Movie.__annotations__ == {"title": str, "year": int})

class Color(Enum):
    RED = auto()
    GREEN = auto()
    BLUE = "blue"
class Level(IntEnum):
    LOW = 1
    HIGH = 3
class Perm(Flag):
    R = 4
    W = 2
    X = 1
print(Color.RED, Color.RED.value, Color("blue").name, [c.name for c in Color], Color["GREEN"])
print(Level.HIGH > Level.LOW, Level(3).name, int(Level.LOW) + 1, Perm.R | Perm.W in Perm.R | Perm.W | Perm.X)
def f(x: Union[int, str]) -> str:
    return str(x)
print(f.__annotations__["return"].__name__)
