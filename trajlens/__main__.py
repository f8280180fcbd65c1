from trajlens.cli import main

main()
