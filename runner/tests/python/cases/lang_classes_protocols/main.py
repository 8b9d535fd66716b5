from abc import ABC, abstractmethod
import math

class Shape(ABC):
    @abstractmethod
    def area(self): ...
    def __lt__(self, other):
        return self.area() < other.area()
    def __repr__(self):
        return f"{type(self).__name__}(area={self.area():.2f})"

class Circle(Shape):
    def __init__(self, r):
        self.r = r
    def area(self):
        return math.pi * self.r ** 2

class Rect(Shape):
    def __init__(self, w, h):
        self.w, self.h = w, h
    def area(self):
        return self.w * self.h

try:
    Shape()
except TypeError:
    print("abstract class cannot be instantiated")
shapes = [Circle(1), Rect(2, 3), Circle(0.5), Rect(1, 1)]
print(sorted(shapes))

class Vector:
    __slots__ = ("x", "y")
    def __init__(self, x, y):
        self.x, self.y = x, y
    def __add__(self, o): return Vector(self.x + o.x, self.y + o.y)
    def __mul__(self, k): return Vector(self.x * k, self.y * k)
    __rmul__ = __mul__
    def __eq__(self, o): return (self.x, self.y) == (o.x, o.y)
    def __hash__(self): return hash((self.x, self.y))
    def __len__(self): return 2
    def __iter__(self): yield self.x; yield self.y
    def __getitem__(self, i): return (self.x, self.y)[i]
    def __bool__(self): return bool(self.x or self.y)
    def __repr__(self): return f"Vector({self.x}, {self.y})"
v = Vector(1, 2) + Vector(3, 4)
print(v, 2 * v, v * 3, list(v), v[1], len(v), bool(Vector(0, 0)), {v, Vector(4, 6)} == {v})

class Temperature:
    def __init__(self):
        self._c = 0.0
    @property
    def fahrenheit(self):
        return self._c * 9 / 5 + 32
    @fahrenheit.setter
    def fahrenheit(self, f):
        self._c = (f - 32) * 5 / 9
    @staticmethod
    def describe():
        return "temperature"
t = Temperature()
t.fahrenheit = 212
print(round(t._c, 2), t.fahrenheit, Temperature.describe())
class Meta(type):
    def __new__(mcs, name, bases, ns):
        ns["created_by"] = "Meta"
        return super().__new__(mcs, name, bases, ns)
class WithMeta(metaclass=Meta):
    pass
print(WithMeta.created_by, type(WithMeta).__name__)
class Counter:
    count = 0
    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        Counter.count += 1
class A(Counter): pass
class B(Counter): pass
print(Counter.count, getattr(A(), "missing", "default"), hasattr(B, "count"))
