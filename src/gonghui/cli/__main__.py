from gonghui.cli.main import app

app()
