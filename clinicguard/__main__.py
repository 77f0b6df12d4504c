from clinicguard.cli import main

raise SystemExit(main())
