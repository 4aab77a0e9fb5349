from crisiskg.cli import main

main()
