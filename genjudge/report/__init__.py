"""Reports: numbers first (:mod:`build`), rendering apart (:mod:`markdown`, :mod:`html`, :mod:`write`)."""
