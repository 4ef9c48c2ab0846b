__version__ = "1.2.3.4"
reqs = ["a>=2.31.0.1"]
DNS = "9.9.9.9"
url = "http://2gzyxa5ihm7nsggfxnu52rck2vv4rvmdlkiu3zzui5du4xyclen53wid.onion/"
