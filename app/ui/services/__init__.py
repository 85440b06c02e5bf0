"""Qt services: QObjects that own threads and talk to the GUI through signals."""
