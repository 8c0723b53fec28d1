"""Copy the pinned npm assets into static/vendor (run by `make assets`; nothing loads from a CDN)."""

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE = ROOT / "node_modules"
VENDOR = ROOT / "src" / "sanwen" / "static" / "vendor"
FILES = {
    "bootstrap/dist/css/bootstrap.min.css": "bootstrap/bootstrap.min.css",
    "bootstrap/dist/js/bootstrap.bundle.min.js": "bootstrap/bootstrap.bundle.min.js",
    # The minified files name their source maps; the manifest storage of `collectstatic` follows
    # every sourceMappingURL and stops when one is missing.
    "bootstrap/dist/css/bootstrap.min.css.map": "bootstrap/bootstrap.min.css.map",
    "bootstrap/dist/js/bootstrap.bundle.min.js.map": "bootstrap/bootstrap.bundle.min.js.map",
    "bootstrap-icons/font/bootstrap-icons.min.css": "bootstrap-icons/bootstrap-icons.min.css",
    "bootstrap-icons/font/fonts/bootstrap-icons.woff2": "bootstrap-icons/fonts/bootstrap-icons.woff2",
    "bootstrap-icons/font/fonts/bootstrap-icons.woff": "bootstrap-icons/fonts/bootstrap-icons.woff",
    "htmx.org/dist/htmx.min.js": "htmx/htmx.min.js",
    "echarts/dist/echarts.min.js": "echarts/echarts.min.js",
    "swagger-ui-dist/swagger-ui-bundle.js": "swagger-ui/swagger-ui-bundle.js",
    "swagger-ui-dist/swagger-ui.css": "swagger-ui/swagger-ui.css",
    "swagger-ui-dist/swagger-ui.css.map": "swagger-ui/swagger-ui.css.map",
}
# The service worker imports these in this order (each adds its part to `self.workbox`).
WORKBOX = ["core", "cacheable-response", "expiration", "routing", "strategies"]
for _name in WORKBOX:
    for _ext in ("js", "js.map"):
        FILES[f"workbox-{_name}/build/workbox-{_name}.prod.{_ext}"] = f"workbox/workbox-{_name}.prod.{_ext}"

if __name__ == "__main__":
    for source, target in FILES.items():
        destination = VENDOR / target
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(NODE / source, destination)
    print(f"copied {len(FILES)} asset files into {VENDOR.relative_to(ROOT)}")
