"""The Qt layer: services that own threads and expose signals, and the widgets."""
