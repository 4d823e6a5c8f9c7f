print("rpt")
