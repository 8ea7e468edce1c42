from policy_engine.cli import main

main()
