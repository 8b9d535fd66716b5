import unittest

class TestPass(unittest.TestCase):
    def test_upper(self):
        self.assertEqual("abc".upper(), "ABC")

class TestFail(unittest.TestCase):
    def test_wrong(self):
        self.assertEqual("a" * 3, "aa")

    def test_error(self):
        raise ValueError("unexpected")
