import unittest
from calc import add, divide

class TestCalc(unittest.TestCase):
    def setUp(self):
        self.data = [1, 2, 3]

    def test_add(self):
        self.assertEqual(add(2, 3), 5)
        self.assertEqual(add(-1, 1), 0)

    def test_divide(self):
        self.assertAlmostEqual(divide(1, 3), 0.3333333, places=6)

    def test_divide_by_zero(self):
        with self.assertRaises(ZeroDivisionError):
            divide(1, 0)

    def test_list(self):
        self.assertIn(2, self.data)
        self.assertListEqual(sorted(self.data, reverse=True), [3, 2, 1])

    @unittest.skip("not ready")
    def test_skipped(self):
        self.fail()

    def test_subtests(self):
        for i in range(3):
            with self.subTest(i=i):
                self.assertGreaterEqual(i, 0)

if __name__ == "__main__":
    unittest.main(verbosity=2)
