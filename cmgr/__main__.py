from cmgr.cli.app import main

main()
