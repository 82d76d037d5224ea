from django.contrib import admin

# The names staff see in the admin's header, window title and home page.
admin.site.site_header = "U.S. EPA International Cooperation: site administration"
admin.site.site_title = "EPA International Cooperation admin"
admin.site.index_title = "Pages, activities, partners and messages"
