from flowdsl.cli import main

main()
