"""The built-in dashboard page, served by the ops API at `/`. It works offline: its script and style
are the project's own files, and the charting library is the copy of plotly.js that the `plotly`
Python package installs (package_data/plotly.min.js), never a CDN. The page asks the ops API with the
operators' token, which it reads from the URL's fragment (`/#token=...`, never sent to a server) or a
prompt, and keeps in the browser's session storage."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, HTMLResponse

HERE = Path(__file__).parent / "page_files"
OWN_FILES = {"dashboard.js": "text/javascript", "dashboard.css": "text/css"}

router = APIRouter(include_in_schema=False)


def plotly_js() -> Path:
    return Path(str(files("plotly") / "package_data" / "plotly.min.js"))


@router.get("/")
def dashboard() -> HTMLResponse:
    return HTMLResponse((HERE / "index.html").read_text())


@router.get("/static/plotly.min.js")
def charting_library() -> FileResponse:
    return FileResponse(plotly_js(), media_type="text/javascript", headers={"Cache-Control": "max-age=86400"})


@router.get("/static/{name}")
def own_file(name: str) -> FileResponse:
    if name not in OWN_FILES:
        raise HTTPException(status_code=404, detail=f"no file {name}")
    return FileResponse(HERE / name, media_type=OWN_FILES[name])
