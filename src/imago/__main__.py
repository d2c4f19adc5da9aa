from imago.cli import main

main()
