"""The core, the store and the CLI never import Qt: they import with PySide6 made unimportable."""

import subprocess
import sys
import textwrap


def test_core_store_and_cli_import_without_pyside6():
    code = textwrap.dedent(
        """
        import importlib, pkgutil, sys

        class Block:
            def find_spec(self, name, path=None, target=None):
                if name == "PySide6" or name.startswith("PySide6."):
                    raise ImportError("PySide6 is blocked in this test")
                return None

        sys.meta_path.insert(0, Block())
        import clinicguard.core, clinicguard.store
        for package in (clinicguard.core, clinicguard.store):
            for module in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
                importlib.import_module(module.name)
        import clinicguard.cli
        clinicguard.cli.build_parser()
        assert not any(m.startswith("PySide6") for m in sys.modules)
        print("ok")
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
