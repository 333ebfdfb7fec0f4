from ur4rec.cli import main

raise SystemExit(main())
